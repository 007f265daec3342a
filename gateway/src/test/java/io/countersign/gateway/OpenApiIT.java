package io.countersign.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document cannot drift from the router: every route the API mounts is documented, and every
 * documented operation is mounted. (Response bodies are not yet validated against its schemas: see #12.)
 */
class OpenApiIT {
  private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete", "head", "options");

  @Test
  void theDocumentAndTheRouterListTheSameOperations() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of())) {
      HttpResponse<String> served = gateway.get("/openapi.json", null);
      assertEquals(200, served.statusCode());
      JsonObject doc = new JsonObject(served.body());
      assertEquals("3.1.0", doc.getString("openapi"));
      Set<String> documented = new TreeSet<>();
      doc.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).fieldNames().stream()
          .filter(METHODS::contains).forEach(m -> documented.add(m.toUpperCase() + " " + path.getKey())));
      Set<String> mounted = new TreeSet<>();
      gateway.gateway().routes().stream()
          .filter(r -> r.contains(" /v1/") || r.contains(" /health") || r.contains(" /openapi.json"))
          .forEach(mounted::add);
      Set<String> undocumented = new TreeSet<>(mounted);
      undocumented.removeAll(documented);
      Set<String> unmounted = new TreeSet<>(documented);
      unmounted.removeAll(mounted);
      assertEquals(Set.of(), undocumented, "mounted but not in openapi.yaml");
      assertEquals(Set.of(), unmounted, "in openapi.yaml but not mounted");
      // every error status an operation documents names its codes (its own, or the ones common to every route)
      JsonObject common = doc.getJsonObject("x-common-error-codes");
      doc.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
        if (!METHODS.contains(op.getKey())) {
          return;
        }
        JsonObject operation = (JsonObject) op.getValue();
        JsonObject own = operation.getJsonObject("x-error-codes", new JsonObject());
        operation.getJsonObject("responses").fieldNames().stream().filter(s -> s.compareTo("400") >= 0)
            .forEach(status -> assertTrue(own.containsKey(status) || common.containsKey(status),
                op.getKey() + " " + path.getKey() + " " + status + " lists no error codes"));
      }));
    }
  }
}
