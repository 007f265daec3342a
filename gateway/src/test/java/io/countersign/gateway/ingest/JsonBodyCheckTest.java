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

  /**
   * The body is read where it lies: only its readable bytes count, whether in a slice of a larger heap array or in
   * direct memory, and reading leaves the buffer as it was (it is stored and delivered afterwards).
   */
  @Test
  void onlyTheReadableBytesOfAnyBufferAreChecked() {
    byte[] around = "xx{\"a\":1}yy".getBytes(StandardCharsets.UTF_8);
    io.netty.buffer.ByteBuf slice = io.netty.buffer.Unpooled.wrappedBuffer(around, 2, 7);
    assertTrue(IngestRoutes.isWellFormedJson(slice));
    assertFalse(IngestRoutes.isWellFormedJson(io.netty.buffer.Unpooled.wrappedBuffer(around, 2, 6)), "truncated");
    io.netty.buffer.ByteBuf direct = io.netty.buffer.Unpooled.directBuffer();
    direct.writeBytes("{\"b\":[1,2]}".getBytes(StandardCharsets.UTF_8));
    assertTrue(IngestRoutes.isWellFormedJson(direct));
    assertEquals(0, direct.readerIndex(), "the buffer itself is not consumed");
    direct.writeByte('}');
    assertFalse(IngestRoutes.isWellFormedJson(direct), "trailing bytes");
    assertEquals(
        java.util.HexFormat.of().formatHex(io.countersign.gateway.support.Wire.sha256("{\"a\":1}")),
        java.util.HexFormat.of().formatHex(io.countersign.gateway.support.Wire.sha256(slice.nioBuffer())));
    direct.release();
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
    assertTrue(IngestRoutes.isJson("Application/JSON"));
    assertTrue(IngestRoutes.isJson("application/problem+json"));
    // String.equalsIgnoreCase would take the dotted capital I for an i; the media type's ASCII name does not
    assertFalse(IngestRoutes.isJson("appl\u0130cation/json"));
  }
}
