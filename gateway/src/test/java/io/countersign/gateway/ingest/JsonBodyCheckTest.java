package io.countersign.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The ingest edge's checks on a body it stores and delivers byte for byte without re-serialising it, and the answer
 * it writes.
 */
class JsonBodyCheckTest {
  @Test
  void oneCompleteJsonValueIsWellFormed() {
    for (String ok : new String[] {"{}", "{\"a\":[1,2,{\"b\":null}]}", "[]", "\"text\"", "42", " {\"a\":1}\n",
        "{\"emoji\":\"\\ud83d\\ude00\"}"}) {
      assertTrue(IngestRoutes.isWellFormedJson(ok.getBytes(StandardCharsets.UTF_8)), ok);
    }
  }

  @Test
  void truncatedTrailingOrNonJsonBodiesAreNot() {
    for (String bad : new String[] {"", "   ", "{", "{\"a\":1", "{\"a\":1}}", "{} {}", "{\"a\":1} x", "{a:1}",
        "[1,]", "nul", "'x'"}) {
      assertFalse(IngestRoutes.isWellFormedJson(bad.getBytes(StandardCharsets.UTF_8)), bad);
    }
    assertFalse(IngestRoutes.isWellFormedJson(new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'}),
        "invalid UTF-8");
  }

  @Test
  void theAcceptedAnswerIsTheJsonAJsonObjectWouldWrite() {
    String id = io.countersign.gateway.support.Ids.event();
    assertEquals(new io.vertx.core.json.JsonObject().put("id", id).put("deliveries", 4),
        new io.vertx.core.json.JsonObject(IngestRoutes.accepted(id, 4)));
  }

  @Test
  void contentTypeMustBeJson() {
    assertTrue(IngestRoutes.isJson("application/json"));
    assertTrue(IngestRoutes.isJson("application/json; charset=utf-8"));
    assertFalse(IngestRoutes.isJson(null));
    assertFalse(IngestRoutes.isJson("text/plain"));
  }
}
