package io.countersign.gateway.delivery;

/**
 * When the next poll starts, as decisions only (no I/O; {@code PollPacingTest}). A poll normally waits for the poll
 * interval; while a backlog waits in PostgreSQL it starts again as soon as half the places are free, or a drain is
 * held to one poll's worth per interval with the machine idle.
 */
final class PollPacing {
  private PollPacing() {}

  /**
   * Whether a poll left work behind in PostgreSQL. {@code picked} of {@code limit}: what a leasing statement took
   * against what it was allowed (fan-outs for the fan-out lease, rows for due work); one that took its whole limit
   * stopped at the limit, not because nothing else was due. Counting leased deliveries against the free places
   * instead undercounts: a fan-out's deliveries to saturated endpoints are set aside as rows rather than leased, and
   * places divided by the fan-out size round down. {@code released}: rows of closed circuits' backlogs, of which a
   * release takes at most a lane's worth per endpoint, so any at all may mean more.
   */
  static boolean backlogLeft(int fanoutsPicked, int fanoutLimit, int duePicked, int dueLimit, int released) {
    return (fanoutLimit > 0 && fanoutsPicked >= fanoutLimit) || (dueLimit > 0 && duePicked >= dueLimit)
        || released > 0;
  }

  /** Whether to poll now, between intervals: a backlog was left, no poll runs, and half the places are free. */
  static boolean pollAgain(boolean backlogLeft, boolean polling, boolean stopped, int free, int maxInFlight) {
    return backlogLeft && !polling && !stopped && free >= maxInFlight / 2;
  }
}
