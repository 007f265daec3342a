package io.countersign.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ClaimPlacesTest {
  @Test
  void aQuietProcessLeasesWhatItClaims() {
    assertEquals(4, Dispatcher.placesForClaim(512, 1), "a lone claim: four deliveries expected, all sent at once");
    assertEquals(256, Dispatcher.placesForClaim(512, 64));
  }

  @Test
  void withoutRoomForTheWholeBatchNothingIsLeasedAndThePollersTakeIt() {
    // before: any free place leased all 256, and what admission refused went back as rows
    assertEquals(0, Dispatcher.placesForClaim(255, 64));
    assertEquals(0, Dispatcher.placesForClaim(1, 64));
    assertEquals(0, Dispatcher.placesForClaim(0, 1));
    assertEquals(0, Dispatcher.placesForClaim(-3, 1), "places held for claims in flight may exceed the free ones");
  }

  @Test
  void outcomesWaitingPastTwoBatchesTakePlacesSoLeasingWaitsForTheWrites() {
    int allowance = Dispatcher.UNRECORDED_ALLOWANCE;
    assertEquals(512, Dispatcher.freePlaces(512, 0, 0));
    assertEquals(256, Dispatcher.freePlaces(512, 256, allowance), "two batches' worth cost nothing");
    assertEquals(500, Dispatcher.freePlaces(512, 0, allowance + 12));
    assertEquals(-488, Dispatcher.freePlaces(512, 0, allowance + 1_000), "nothing is leased until the writes catch up");
  }
}
