package io.countersign.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.countersign.gateway.tracing.Tracing;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Naming a failed request's span by the route template it was for. */
class ServerSpansTest {
  private final ServerSpans spans = new ServerSpans(Tracing.OFF, Set.of(
      "POST /v1/tenants/{tenant}/events",
      "GET /v1/tenants/{tenant}/events/{id}",
      "POST /v1/tenants/{tenant}/events/{id}/redeliver",
      "POST /v1/tenants/{tenant}/endpoints/{endpoint}/secret/rotate",
      "GET /v1/tenants/{tenant}/endpoints/{endpoint}"));

  @Test
  void aPathIsNamedByItsTemplateWithParametersInRouterForm() {
    assertEquals("/v1/tenants/:tenant/endpoints/:endpoint/secret/rotate",
        spans.template("POST", "/v1/tenants/acme/endpoints/ep_1/secret/rotate"));
    assertEquals("/v1/tenants/:tenant/events", spans.template("POST", "/v1/tenants/acme/events"));
    assertEquals("/v1/tenants/:tenant/events/:id", spans.template("GET", "/v1/tenants/acme/events/msg_1"));
  }

  @Test
  void theMethodMustMatchAndAnUnknownPathHasNoTemplate() {
    assertNull(spans.template("DELETE", "/v1/tenants/acme/events"));
    assertNull(spans.template("POST", "/v1/tenants/acme/nothing/here"));
    assertNull(spans.template("GET", "/v1/tenants/acme/endpoints/ep_1/extra"));
  }
}
