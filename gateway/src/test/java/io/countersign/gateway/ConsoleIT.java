package io.countersign.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The console is served by the gateway itself, with no build step and nothing fetched from elsewhere. */
class ConsoleIT {
  @Test
  void theConsoleIsServedAtSlashConsole() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of())) {
      HttpResponse<String> page = gateway.get("/console/", null);
      assertEquals(200, page.statusCode());
      assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
      assertTrue(page.body().contains("<script src=\"app.js\"></script>"));
      assertTrue(!page.body().contains("http://") && !page.body().contains("https://"), "no external resources");
      HttpResponse<String> js = gateway.get("/console/app.js", null);
      assertEquals(200, js.statusCode());
      assertTrue(js.body().contains("If-Match"), "secret actions send the version they loaded");
      assertTrue(js.body().contains("Idempotency-Key"), "one key per operator intent");
      assertTrue(!js.body().contains("Reload: if a new secret is displayed"), "a lost race never sends anyone looking");
      assertTrue(!js.body().contains("console.log"), "nothing is written to the browser console");
      assertEquals(200, gateway.get("/console/style.css", null).statusCode());
    }
  }
}
