package io.countersign.gateway.secrets;

import io.vertx.core.json.JsonObject;

/** What an audit row says about a change: secret ids, hints and expiries, never a value or a signature. */
final class AuditDetails {
  private AuditDetails() {}

  static JsonObject of(String kind, SecretState before, SecretTransitions.Changed changed, String by) {
    SecretState after = changed.state();
    return switch (kind) {
      case "secret_rotated", "secret_rolled_back" -> new JsonObject()
          .put("currentSecretId", after.current().id()).put("currentHint", after.current().hint())
          .put("previousSecretId", after.previous().id()).put("previousHint", after.previous().hint())
          .put("previousExpiresAt", after.previous().expiresAt().toString())
          // a scheme switch is a rotation whose two schemes differ
          .put("currentScheme", after.current().scheme().wireName())
          .put("previousScheme", after.previous().scheme().wireName());
      case "previous_dropped" -> entry(changed.dropped());
      case "overlap_extended" -> entry(after.previous()).put("from", before.previous().expiresAt().toString())
          .put("to", after.previous().expiresAt().toString());
      case "previous_expired" -> entry(before.previous()).put("by", by);
      default -> new JsonObject();
    };
  }

  private static JsonObject entry(SecretState.Entry e) {
    return new JsonObject().put("secretId", e.id()).put("hint", e.hint()).put("scheme", e.scheme().wireName())
        .put("expiresAt", e.expiresAt() == null ? null : e.expiresAt().toString());
  }
}
