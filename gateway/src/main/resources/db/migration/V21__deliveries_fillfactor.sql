-- Room on each page of deliveries for the next version of its rows. A row here is written again soon after it is
-- made: leased, given back, attempted. Only the lease columns change at a lease, which no index holds, so that update
-- can be HOT (no index entry) when the new version fits on the same page; with full pages it never did (2 % of
-- updates were HOT over a 440 000-delivery drain), and each lease wrote an entry into five indexes. Pages written
-- from now on keep 20 % free; existing pages are left as they are.
ALTER TABLE deliveries SET (fillfactor = 80);
