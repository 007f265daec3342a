package io.countersign.gateway.tenants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.gateway.Main;
import io.countersign.gateway.testing.Eventually;
import io.countersign.gateway.testing.TestDatabases;
import io.countersign.gateway.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Scoped API tokens with a lifecycle, revocation across processes, and an admin token that can be rotated. */
class TokensIT {
  private static String token(TestGateway gw, String tenant, String owner, String body) throws Exception {
    HttpResponse<String> r = gw.send("POST", "/v1/tenants/" + tenant + "/tokens", owner, body, Map.of());
    assertEquals(201, r.statusCode(), r.body());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(null));
    return new JsonObject(r.body()).getString("token");
  }

  private static JsonObject code(HttpResponse<String> r, int status) {
    assertEquals(status, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private static boolean status(TestGateway gw, String path, String token, int expected) {
    try {
      return gw.get(path, token).statusCode() == expected;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void scopesLimitWhatATokenDoesAndRevocationReachesEveryProcessWithinTheBound() throws Exception {
    String db = TestDatabases.fresh();
    String key = TestGateway.randomKey();
    try (TestGateway gw = TestGateway.start(db, Map.of("secrets.masterKey", key));
         TestGateway other = TestGateway.start(db, Map.of("secrets.masterKey", key))) {
      String first = gw.createTenant("tok");
      JsonObject ep = gw.createEndpoint("tok", first, "http://127.0.0.1:9/x");
      String ingest = token(gw, "tok", first, "{\"name\":\"orders-service\",\"scopes\":[\"events:write\"]}");
      String reader = token(gw, "tok", first, "{\"name\":\"dashboard\",\"scopes\":[\"read\"]}");

      // the first token keeps every scope
      assertEquals(202, gw.postEvent("tok", first, "f-1", "order.created", "{}").statusCode());
      assertEquals(200, gw.get("/v1/tenants/tok/endpoints", first).statusCode());
      // events:write posts events and nothing else
      assertEquals(202, gw.postEvent("tok", ingest, "i-1", "order.created", "{}").statusCode());
      JsonObject noRead = code(gw.get("/v1/tenants/tok/endpoints", ingest), 403);
      assertEquals("insufficient_scope", noRead.getString("code"));
      assertTrue(noRead.getString("detail").contains("read"), noRead.encode());
      assertTrue(code(gw.secretCall("tok", ingest, ep.getString("id"), "rotate", 1L, null), 403).getString("detail")
          .contains("manage"));
      // read reads everything and changes nothing
      assertEquals(200, gw.get("/v1/tenants/tok/events", reader).statusCode());
      assertEquals(200, gw.get("/v1/tenants/tok/audit", reader).statusCode());
      assertTrue(code(gw.postEvent("tok", reader, "r-1", "order.created", "{}"), 403).getString("detail")
          .contains("events:write"));
      assertEquals(403, gw.send("POST", "/v1/tenants/tok/tokens", reader, "{\"name\":\"x\",\"scopes\":[\"manage\"]}",
          Map.of()).statusCode(), "a read token cannot mint a manage token");

      // the listing shows ids, names, hints and scopes, never a token
      JsonArray listed = new JsonObject(gw.get("/v1/tenants/tok/tokens", reader).body()).getJsonArray("data");
      assertEquals(3, listed.size());
      assertFalse(listed.encode().contains(ingest.substring(4)) || listed.encode().contains(first.substring(4)));
      JsonObject service = listed.stream().map(o -> (JsonObject) o)
          .filter(t -> t.getString("name").equals("orders-service")).findFirst().orElseThrow();
      assertEquals(ingest.substring(ingest.length() - 4), service.getString("hint"));
      assertEquals(new JsonArray().add("events:write"), service.getJsonArray("scopes"));
      Eventually.await(Duration.ofSeconds(10), "lastUsedAt recorded", () -> {
        try {
          return new JsonObject(gw.get("/v1/tenants/tok/tokens", reader).body()).getJsonArray("data").stream()
              .map(o -> (JsonObject) o).anyMatch(t -> t.getString("name").equals("orders-service")
                  && t.getString("lastUsedAt") != null);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });

      // revoked: refused at once by the process that revoked it, and by the other within the cache's bound
      assertEquals(202, other.postEvent("tok", ingest, "o-1", "order.created", "{}").statusCode(), "cached there");
      long revokedAt = System.nanoTime();
      assertEquals(204, gw.send("DELETE", "/v1/tenants/tok/tokens/" + service.getString("id"), first, null, Map.of())
          .statusCode());
      assertEquals(401, gw.postEvent("tok", ingest, "i-2", "order.created", "{}").statusCode(), "at once here");
      Eventually.await(Duration.ofSeconds(20), "the other process refuses it", () -> {
        try {
          return other.postEvent("tok", ingest, "o-" + System.nanoTime(), "order.created", "{}").statusCode() == 401;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      long tookMillis = (System.nanoTime() - revokedAt) / 1_000_000;
      assertTrue(tookMillis <= TenantDirectory.STALENESS.toMillis() + 1_500, "within the bound: " + tookMillis + " ms");
      assertEquals(404, gw.send("DELETE", "/v1/tenants/tok/tokens/" + service.getString("id"), first, null, Map.of())
          .statusCode(), "revoking twice");

      // audited, without the token
      String audit = gw.get("/v1/tenants/tok/audit?kind=token_created", first).body()
          + gw.get("/v1/tenants/tok/audit?kind=token_revoked", first).body();
      assertTrue(audit.contains("orders-service") && audit.contains("token_revoked"), audit);
      assertFalse(audit.contains(ingest.substring(4)));

      // an expiring token stops working at its expiry
      String brief = token(gw, "tok", first, new JsonObject().put("name", "brief").put("scopes", new JsonArray()
          .add("read")).put("expiresAt", Instant.now().plusSeconds(2).toString()).encode());
      assertEquals(200, gw.get("/v1/tenants/tok/endpoints", brief).statusCode());
      Eventually.await(Duration.ofSeconds(15), "expiry", () -> status(gw, "/v1/tenants/tok/endpoints", brief, 401));

      // bad requests
      assertEquals("invalid_scopes", code(gw.send("POST", "/v1/tenants/tok/tokens", first,
          "{\"name\":\"x\",\"scopes\":[\"root\"]}", Map.of()), 400).getString("code"));
      assertEquals("invalid_name", code(gw.send("POST", "/v1/tenants/tok/tokens", first,
          "{\"scopes\":[\"read\"]}", Map.of()), 400).getString("code"));
      assertEquals("invalid_expiry", code(gw.send("POST", "/v1/tenants/tok/tokens", first,
          "{\"name\":\"x\",\"scopes\":[\"read\"],\"expiresAt\":\"2020-01-01T00:00:00Z\"}", Map.of()), 400).getString("code"));

      // the command line
      StringWriter out = new StringWriter();
      assertEquals(0, Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()))
          .execute("tokens", "create", "--name", "cli", "--scopes", "read", "--url", gw.url(""), "--token", first,
              "--tenant", "tok"));
      assertTrue(out.toString().trim().startsWith("cst_"), out.toString());
      StringWriter list = new StringWriter();
      assertEquals(0, Main.commandLine().setOut(new PrintWriter(list)).execute("tokens", "list", "--url", gw.url(""),
          "--token", first, "--tenant", "tok"));
      assertTrue(list.toString().contains("REVOKED") && list.toString().contains("cli"), list.toString());
    }
  }

  @Test
  void theAdminTokenRotatesWithoutDowntime() throws Exception {
    try (TestGateway gw = TestGateway.start(Map.of("admin.previousToken", "the-old-admin-token"))) {
      assertEquals(201, gw.send("POST", "/v1/tenants", "the-old-admin-token", "{\"id\":\"a1\",\"name\":\"a\"}", Map.of())
          .statusCode(), "the previous token still works during the rotation");
      assertEquals(201, gw.send("POST", "/v1/tenants", TestGateway.ADMIN_TOKEN, "{\"id\":\"a2\",\"name\":\"a\"}",
          Map.of()).statusCode(), "and the current one");
      assertEquals(401, gw.send("POST", "/v1/tenants", "some-other-token", "{\"id\":\"a3\",\"name\":\"a\"}", Map.of())
          .statusCode());
      assertEquals(200, gw.get("/v1/tenants/a1", "the-old-admin-token").statusCode());
    }
  }
}
