package io.countersign.gateway.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With the production default (private networks refused), internal destinations cannot be registered. */
class DestinationGuardIT {
  @Test
  void internalDestinationsAreRefusedAtCreation() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of("delivery.allowPrivateNetworks", "false"))) {
      String token = gateway.createTenant("acme");
      for (String url : new String[] {"http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/x",
          "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "http://192.168.0.10/x", "http://0.0.0.0/x"}) {
        HttpResponse<String> r = gateway.send("POST", "/v1/tenants/acme/endpoints", token,
            new JsonObject().put("url", url).encode(), Map.of());
        assertEquals(400, r.statusCode(), url + " -> " + r.body());
        assertEquals("destination_not_allowed", new JsonObject(r.body()).getString("code"), url);
      }
    }
  }
}
