package io.countersign.gateway.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The one classification of receivers' status codes. */
class ReceiverAnswersTest {
  @Test
  void twoHundredsSucceedFourOhOneAndFourOhThreeRejectTheSignatureTheRestFail() {
    assertTrue(ReceiverAnswers.isSuccess(200) && ReceiverAnswers.isSuccess(204) && ReceiverAnswers.isSuccess(299));
    assertFalse(ReceiverAnswers.isSuccess(199) || ReceiverAnswers.isSuccess(300) || ReceiverAnswers.isSuccess(null));
    assertTrue(ReceiverAnswers.isSignatureRejection(401) && ReceiverAnswers.isSignatureRejection(403));
    assertFalse(ReceiverAnswers.isSignatureRejection(400) || ReceiverAnswers.isSignatureRejection(null));
    assertEquals("accepted", ReceiverAnswers.probeResult(202));
    assertEquals("rejected", ReceiverAnswers.probeResult(403));
    assertEquals("failed", ReceiverAnswers.probeResult(500));
    assertEquals("failed", ReceiverAnswers.probeResult(null));
  }
}
