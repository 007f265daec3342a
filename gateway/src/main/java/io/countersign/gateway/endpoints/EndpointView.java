package io.countersign.gateway.endpoints;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.time.OffsetDateTime;

/** The public shape of an endpoint: ids, hints, states and expiries of its secrets, never their values. */
final class EndpointView {
  private EndpointView() {}

  static JsonObject of(Row row, Instant now) {
    JsonArray eventTypes = new JsonArray();
    for (String t : row.getArrayOfStrings("event_types")) {
      eventTypes.add(t);
    }
    JsonArray secrets = new JsonArray().add(new JsonObject()
        .put("id", row.getString("current_secret_id"))
        .put("hint", row.getString("current_hint"))
        .put("state", "current")
        .put("createdAt", iso(row.getOffsetDateTime("current_created_at")))
        .putNull("expiresAt"));
    OffsetDateTime previousExpiry = row.getOffsetDateTime("previous_expires_at");
    if (row.getString("previous_secret_id") != null && previousExpiry.toInstant().isAfter(now)) {
      secrets.add(new JsonObject()
          .put("id", row.getString("previous_secret_id"))
          .put("hint", row.getString("previous_hint"))
          .put("state", "previous")
          .put("createdAt", iso(row.getOffsetDateTime("previous_created_at")))
          .put("expiresAt", iso(previousExpiry)));
    }
    return new JsonObject()
        .put("id", row.getString("endpoint_id"))
        .put("url", row.getString("url"))
        .put("eventTypes", eventTypes)
        .put("enabled", row.getBoolean("enabled"))
        .put("version", row.getLong("version"))
        .put("createdAt", iso(row.getOffsetDateTime("created_at")))
        .put("secrets", secrets);
  }

  static String iso(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
