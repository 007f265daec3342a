package io.countersign.gateway.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.countersign.gateway.http.ApiError;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CustomHeadersTest {
  private static String refused(JsonObject headers) {
    return assertThrows(ApiError.class, () -> CustomHeaders.parse(headers, 3, 100)).code();
  }

  @Test
  void namesAndValuesAreCheckedAndLimited() {
    assertEquals(Map.of("X-Api-Key", "abc"), CustomHeaders.parse(new JsonObject().put("X-Api-Key", "abc"), 3, 100));
    assertEquals(Map.of(), CustomHeaders.parse(null, 3, 100));
    assertEquals("reserved_header", refused(new JsonObject().put("Webhook-Signature", "x")));
    assertEquals("reserved_header", refused(new JsonObject().put("transfer-encoding", "chunked")));
    assertEquals("invalid_header", refused(new JsonObject().put("X:Y", "x")));
    assertEquals("invalid_header", refused(new JsonObject().put("X-A", "line\nbreak")));
    assertEquals("invalid_header", refused(new JsonObject().put("X-A", "caf\u00e9")));
    assertEquals("invalid_header", refused(new JsonObject().put("X-A", "1").put("x-a", "2")));
    assertEquals("too_many_headers", refused(new JsonObject().put("A", "1").put("B", "2").put("C", "3").put("D", "4")));
    assertEquals("too_many_headers", refused(new JsonObject().put("X-Long", "v".repeat(100))));
  }

  @Test
  void readsShowOnlyTheLastFourCharacters() {
    assertEquals(new JsonObject().put("X-Api-Key", "…f00d").put("X-S", "…ab"),
        CustomHeaders.masked(Map.of("X-Api-Key", "secret-f00d", "X-S", "ab")));
  }
}
