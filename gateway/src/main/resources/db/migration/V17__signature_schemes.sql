-- Each secret slot has a signature scheme. 'hmac-sha256' (v1): the sealed value is the HMAC key. 'ed25519' (v1a):
-- the sealed value is the 64-byte Ed25519 signing key (seed || public key), sealed like an HMAC key and covered by
-- rekey, and the public key is kept beside it in the clear (whpk_...): it is not a secret, and listing it must not
-- need the master key. A scheme switch is a rotation, so during its overlap the two slots differ.
ALTER TABLE endpoints ADD COLUMN current_scheme text NOT NULL DEFAULT 'hmac-sha256';
ALTER TABLE endpoints ADD COLUMN current_public_key text;
ALTER TABLE endpoints ADD COLUMN previous_scheme text;
ALTER TABLE endpoints ADD COLUMN previous_public_key text;
UPDATE endpoints SET previous_scheme = 'hmac-sha256' WHERE previous_secret_id IS NOT NULL;

ALTER TABLE endpoints ADD CONSTRAINT endpoints_current_scheme_check
    CHECK (current_scheme IN ('hmac-sha256', 'ed25519')
           AND (current_scheme = 'ed25519') = (current_public_key IS NOT NULL));
ALTER TABLE endpoints ADD CONSTRAINT endpoints_previous_scheme_check
    CHECK ((previous_secret_id IS NULL) = (previous_scheme IS NULL)
           AND (previous_scheme IS NULL OR previous_scheme IN ('hmac-sha256', 'ed25519'))
           AND (previous_scheme IS NOT DISTINCT FROM 'ed25519') = (previous_public_key IS NOT NULL));
