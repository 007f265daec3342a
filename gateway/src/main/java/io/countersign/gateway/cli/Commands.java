package io.countersign.gateway.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * SRE commands over the public HTTP API: the whole rotation runbook. Exit codes: 0 done, 1 failed, 2 a missing or
 * invalid option or value (the gateway's 400s included), 3 a concurrent change won (nothing was changed), 4 refused
 * by the current state (for example an overlap in progress), 5 the gateway could not be reached. Errors are one
 * line on stderr, never a stack trace.
 *
 * <pre>{@code
 * countersign secret rotate --url https://gw --tenant acme --endpoint ep_123    # token from $COUNTERSIGN_TOKEN
 * }</pre>
 *
 * <p>Every state-changing command reads the endpoint's version and sends it as {@code If-Match}, and sends one
 * {@code Idempotency-Key} per invocation (or {@code --key}); a request whose answer was lost to the network is sent
 * again once with the same key, so it cannot apply twice.
 */
public final class Commands {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int RACE = 3;
  static final int REFUSED = 4;
  static final int UNREACHABLE = 5;

  private Commands() {}

  /** A command's failure with its exit code and one line for stderr. */
  public static final class CliException extends RuntimeException {
    final int exitCode;

    CliException(int exitCode, String message) {
      super(message, null, false, false);
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  /** Where and who: the gateway URL, a tenant token (or the admin token) and the tenant. */
  static final class Target {
    @Option(names = "--url", defaultValue = "${env:COUNTERSIGN_URL:-http://localhost:8080}",
        description = "Gateway base URL (default: $COUNTERSIGN_URL, else http://localhost:8080).")
    String url;

    @Option(names = "--token", defaultValue = "${env:COUNTERSIGN_TOKEN}", description = "Tenant or admin token (default: $COUNTERSIGN_TOKEN).")
    String token;

    @Option(names = "--tenant", defaultValue = "${env:COUNTERSIGN_TENANT}", description = "Tenant id (default: $COUNTERSIGN_TENANT).")
    String tenant;

    ApiClient client() {
      if (token == null || token.isBlank()) {
        throw new CliException(USAGE, "no token: pass --token or set COUNTERSIGN_TOKEN (a tenant token, or the admin token)");
      }
      if (tenant == null || tenant.isBlank()) {
        throw new CliException(USAGE, "no tenant: pass --tenant or set COUNTERSIGN_TENANT");
      }
      return new ApiClient(url, token);
    }

    String tenantPath() {
      return "/v1/tenants/" + tenant;
    }
  }

  abstract static class Base implements Callable<Integer> {
    @Mixin
    Target target;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    int fail(ApiClient.Answer a) {
      err().printf("countersign: %d %s: %s%n", a.status(), a.code(), a.detail());
      return exitCode(a);
    }

    static int exitCode(ApiClient.Answer a) {
      if (a.status() == 409) {
        return Set.of("rotation_race", "concurrent_change", "stale_version").contains(a.code()) ? RACE : REFUSED;
      }
      return a.status() == 400 || a.status() == 422 || a.status() == 428 ? USAGE : FAILED;
    }
  }

  /** A change to one endpoint: reads its version, then sends the change with If-Match and one Idempotency-Key. */
  abstract static class EndpointChange extends Base {
    @Option(names = "--endpoint", required = true, description = "Endpoint id.")
    String endpoint;

    @Option(names = "--key", description = "Idempotency-Key (default: a new one per run); repeat it to make a retry safe.")
    String key;

    String endpointPath() {
      return target.tenantPath() + "/endpoints/" + endpoint;
    }

    /** The answer to the change, or the failed read of the endpoint before it. */
    ApiClient.Answer change(String method, String suffix, JsonObject body) throws Exception {
      ApiClient client = target.client();
      ApiClient.Answer current = client.get(endpointPath());
      if (!current.ok()) {
        return current;
      }
      Map<String, String> headers = Map.of("If-Match", "\"" + current.body().getLong("version") + "\"",
          "Idempotency-Key", key != null ? key : "cli-" + UUID.randomUUID());
      return client.callOnce(method, endpointPath() + suffix, body, headers);
    }
  }

  /** A change answered by the endpoint view: one line saying what happened, then its secrets. */
  abstract static class ViewChange extends EndpointChange {
    String method() {
      return "POST";
    }

    abstract String suffix();

    JsonObject body() {
      return new JsonObject();
    }

    abstract String done(JsonObject view);

    @Override
    public Integer call() throws Exception {
      ApiClient.Answer a = change(method(), suffix(), body());
      if (!a.ok()) {
        return fail(a);
      }
      out().println(done(a.body()));
      printSecrets(out(), a.body().getJsonArray("secrets"));
      return OK;
    }
  }

  /** A command group: alone, it prints its usage. */
  abstract static class Group implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(name = "endpoints", mixinStandardHelpOptions = true, description = "Endpoints of a tenant.",
      subcommands = {EndpointsList.class, EndpointsCreate.class, EndpointsEnable.class, EndpointsDisable.class})
  public static final class Endpoints extends Group {}

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List endpoints with their secrets and state.")
  static final class EndpointsList extends Base {
    @Override
    public Integer call() throws Exception {
      ApiClient.Answer a = target.client().get(target.tenantPath() + "/endpoints");
      if (!a.ok()) {
        return fail(a);
      }
      if (a.body().getJsonArray("data").isEmpty()) {
        out().println("no endpoints yet: create one with 'endpoints create --receiver-url URL'");
        return OK;
      }
      out().printf("%-30s %-8s %-9s %-24s %-8s %s%n", "ID", "VERSION", "ENABLED", "ADOPTION", "CIRCUIT", "URL");
      for (Object o : a.body().getJsonArray("data")) {
        JsonObject e = (JsonObject) o;
        out().printf("%-30s %-8d %-9s %-24s %-8s %s%n", e.getString("id"), e.getLong("version"), e.getBoolean("enabled"),
            e.getString("adoption"), e.getJsonObject("circuit").getString("state"), e.getString("url"));
        printSecrets(out(), e.getJsonArray("secrets"));
      }
      return OK;
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create an endpoint; prints its signing secret once on stdout and its id on stderr.")
  static final class EndpointsCreate extends Base {
    @Option(names = "--receiver-url", required = true, description = "Where deliveries go (https://...).")
    String receiverUrl;

    @Option(names = "--event-types", split = ",", description = "Comma-separated event types it subscribes to (default: all).")
    List<String> eventTypes = new ArrayList<>();

    @Option(names = "--key", description = "Idempotency-Key (default: a new one per run).")
    String key;

    @Option(names = "--header", description = "NAME=VALUE sent on every delivery (repeatable), e.g. X-Api-Key=...")
    Map<String, String> headers = new java.util.LinkedHashMap<>();

    @Option(names = "--secret-file", description = "Bring the signing secret (whsec_...) from this file instead of"
        + " generating one (migration); it is not printed back.")
    java.nio.file.Path secretFile;

    @Option(names = "--signature-scheme", description = "hmac-sha256 (default) or ed25519: then the public key"
        + " (whpk_...) is printed instead of a secret.")
    String signatureScheme;

    @Override
    public Integer call() throws Exception {
      JsonObject body = new JsonObject().put("url", receiverUrl).put("eventTypes", new JsonArray(new ArrayList<>(eventTypes)));
      if (signatureScheme != null) {
        body.put("signatureScheme", signatureScheme);
      }
      if (!headers.isEmpty()) {
        body.put("headers", new JsonObject(new java.util.LinkedHashMap<>(headers)));
      }
      if (secretFile != null) {
        body.put("secret", readSecret(secretFile));
      }
      ApiClient.Answer a = target.client().callOnce("POST", target.tenantPath() + "/endpoints", body,
          Map.of("Idempotency-Key", key != null ? key : "cli-" + UUID.randomUUID()));
      if (!a.ok()) {
        return fail(a);
      }
      String publicKey = a.body().getJsonArray("secrets").getJsonObject(0).getString("publicKey");
      if (a.body().getString("secret") != null) {
        out().println(a.body().getString("secret"));
      } else if (publicKey != null) {
        out().println(publicKey);
      }
      err().printf("created endpoint %s (version %d) for %s.%s%n", a.body().getString("id"), a.body().getLong("version"),
          a.body().getString("url"), a.body().getString("secret") != null ? " The secret above is shown only once."
              : publicKey != null ? " It signs with Ed25519 (v1a); receivers verify with the public key above."
              : " It signs with the secret you supplied.");
      return OK;
    }
  }

  /** A secret from a file (never a command-line argument, which shell history and ps would keep). */
  static String readSecret(java.nio.file.Path file) {
    try {
      return java.nio.file.Files.readString(file).trim();
    } catch (java.io.IOException e) {
      throw new CliException(USAGE, "cannot read the secret file " + file + ": " + e.getMessage());
    }
  }

  abstract static class EndpointToggle extends ViewChange {
    abstract boolean enabled();

    @Override
    String method() {
      return "PATCH";
    }

    @Override
    String suffix() {
      return "";
    }

    @Override
    JsonObject body() {
      return new JsonObject().put("enabled", enabled());
    }

    @Override
    String done(JsonObject view) {
      return "endpoint " + endpoint + " is " + (enabled() ? "enabled" : "disabled") + " (version "
          + view.getLong("version") + ")";
    }
  }

  @Command(name = "enable", mixinStandardHelpOptions = true,
      description = "Enable an endpoint (after a 410 or auto-disable); its waiting deliveries are due at once.")
  static final class EndpointsEnable extends EndpointToggle {
    @Option(names = "--release-held", description = "Also send the events held while it was disabled.")
    boolean releaseHeld;

    @Override
    boolean enabled() {
      return true;
    }

    @Override
    JsonObject body() {
      return releaseHeld ? super.body().put("releaseHeld", true) : super.body();
    }
  }

  @Command(name = "disable", mixinStandardHelpOptions = true,
      description = "Disable an endpoint; its deliveries wait until it is enabled again.")
  static final class EndpointsDisable extends EndpointToggle {
    @Override
    boolean enabled() {
      return false;
    }
  }

  static void printSecrets(PrintWriter out, JsonArray secrets) {
    for (Object s : secrets) {
      JsonObject secret = (JsonObject) s;
      out.printf("    %-9s %s ...%s%s%n", secret.getString("state"), secret.getString("id"), secret.getString("hint"),
          secret.getString("expiresAt") == null ? "" : "  valid until " + secret.getString("expiresAt") + " (UTC)");
    }
  }

  @Command(name = "secret", mixinStandardHelpOptions = true, description = "An endpoint's signing secrets.",
      subcommands = {SecretStatus.class, SecretRotate.class, SecretProbe.class, SecretExtend.class,
          SecretExpirePrevious.class, SecretRollback.class})
  public static final class Secret extends Group {}

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Secrets, overlap, adoption and signature rejections.")
  static final class SecretStatus extends Base {
    @Option(names = "--endpoint", required = true, description = "Endpoint id.")
    String endpoint;

    @Override
    public Integer call() throws Exception {
      ApiClient.Answer a = target.client().get(target.tenantPath() + "/endpoints/" + endpoint);
      if (!a.ok()) {
        return fail(a);
      }
      printStatus(out(), a.body());
      return OK;
    }
  }

  static void printStatus(PrintWriter out, JsonObject e) {
    out.printf("endpoint %s (version %d) %s%s%n", e.getString("id"), e.getLong("version"), e.getString("url"),
        Boolean.TRUE.equals(e.getBoolean("enabled")) ? "" : "  DISABLED");
    printSecrets(out, e.getJsonArray("secrets"));
    out.printf("adoption: %s%nsignature rejections in the last hour: %d%n", e.getString("adoption"),
        e.getLong("signatureRejections"));
    JsonObject burst = e.getJsonObject("signatureRejectionBurst");
    if (burst != null) {
      out.printf("ALARM: the receiver has been rejecting signatures (401/403 burst) since %s%n", burst.getString("since"));
    }
    if (Boolean.TRUE.equals(e.getBoolean("overlapEndingUnconfirmed"))) {
      out.println("REMINDER: the overlap ends soon and no receiver has confirmed the current secret: probe it, or extend");
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Rotate with If-Match on the version read just before; prints the new secret once, or why not.")
  static final class SecretRotate extends EndpointChange {
    @Option(names = "--overlap", description = "ISO-8601 overlap, e.g. P7D (default: the gateway's).")
    String overlap;

    @Option(names = "--drop-previous", description = "Drop a previous secret that is still in force.")
    boolean dropPrevious;

    @Option(names = "--secret-file", description = "Rotate to the secret (whsec_...) in this file instead of a new"
        + " one; it is not printed back.")
    java.nio.file.Path secretFile;

    @Option(names = "--signature-scheme", description = "Switch to hmac-sha256 or ed25519 (default: keep the current"
        + " scheme); both signatures are sent through the overlap.")
    String signatureScheme;

    @Override
    public Integer call() throws Exception {
      JsonObject body = new JsonObject();
      if (signatureScheme != null) {
        body.put("signatureScheme", signatureScheme);
      }
      if (overlap != null) {
        body.put("overlap", overlap);
      }
      if (dropPrevious) {
        body.put("dropPrevious", true);
      }
      if (secretFile != null) {
        body.put("secret", readSecret(secretFile));
      }
      ApiClient.Answer a = change("POST", "/secret/rotate", body);
      if (!a.ok()) {
        return fail(a);
      }
      JsonObject r = a.body();
      String publicKey = r.getJsonObject("current").getString("publicKey");
      if (r.getString("secret") != null) {
        out().println(r.getString("secret"));
      } else if (publicKey != null) {
        out().println(publicKey);
      }
      err().printf("rotated to version %d; receivers must switch before %s (UTC). %s%n", r.getLong("version"),
          r.getString("receiversMustSwitchBefore"), r.getString("secret") != null ? "This secret is shown only once."
              : publicKey != null ? "Receivers verify the new v1a signatures with the public key above."
              : "It signs with the secret you supplied.");
      return OK;
    }
  }

  @Command(name = "probe", mixinStandardHelpOptions = true,
      description = "Send a test event signed with the current secret only; exits 0 only if the receiver accepted it.")
  static final class SecretProbe extends EndpointChange {
    @Override
    public Integer call() throws Exception {
      ApiClient.Answer a = change("POST", "/secret/probe", new JsonObject());
      if (!a.ok()) {
        return fail(a);
      }
      JsonObject r = a.body();
      out().printf("probe %s (status %s) in %d ms with secret %s ...%s; adoption: %s%n", r.getString("result"),
          r.getValue("statusCode"), r.getLong("latencyMs"), r.getString("secretId"), r.getString("hint"),
          r.getString("adoption"));
      return "accepted".equals(r.getString("result")) ? OK : FAILED;
    }
  }

  @Command(name = "extend", mixinStandardHelpOptions = true, description = "Move the overlap's end later.")
  static final class SecretExtend extends ViewChange {
    @Option(names = "--expires-at", required = true, description = "New UTC cutoff, e.g. 2026-12-31T17:00:00Z.")
    String expiresAt;

    @Override
    String suffix() {
      return "/secret/extend";
    }

    @Override
    JsonObject body() {
      return new JsonObject().put("expiresAt", expiresAt);
    }

    @Override
    String done(JsonObject view) {
      return "overlap extended (version " + view.getLong("version") + "): tell the receivers the new cutoff";
    }
  }

  @Command(name = "expire-previous", mixinStandardHelpOptions = true,
      description = "End the overlap now: the previous secret stops signing.")
  static final class SecretExpirePrevious extends ViewChange {
    @Override
    String suffix() {
      return "/secret/expire-previous";
    }

    @Override
    String done(JsonObject view) {
      return "previous secret expired (version " + view.getLong("version") + "); deliveries carry one signature now";
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Make the previous secret current again; the rolled-back one stays valid as previous for a while.")
  static final class SecretRollback extends ViewChange {
    @Override
    String suffix() {
      return "/secret/rollback";
    }

    @Override
    String done(JsonObject view) {
      return "rolled back (version " + view.getLong("version") + "): the previous secret signs first again";
    }
  }

  @Command(name = "tokens", mixinStandardHelpOptions = true, description = "A tenant's API tokens.",
      subcommands = {TokensCreate.class, TokensList.class, TokensRevoke.class})
  public static final class TokensGroup extends Group {}

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a token; prints it once on stdout and its id on stderr.")
  static final class TokensCreate extends Base {
    @Option(names = "--name", required = true)
    String name;

    @Option(names = "--scopes", split = ",", required = true, description = "events:write, read, manage (comma-separated).")
    List<String> scopes;

    @Option(names = "--expires-at", description = "UTC instant after which it stops working.")
    String expiresAt;

    @Override
    public Integer call() throws Exception {
      JsonObject body = new JsonObject().put("name", name).put("scopes", new JsonArray(new ArrayList<>(scopes)));
      if (expiresAt != null) {
        body.put("expiresAt", expiresAt);
      }
      ApiClient.Answer a = target.client().call("POST", target.tenantPath() + "/tokens", body, Map.of());
      if (!a.ok()) {
        return fail(a);
      }
      out().println(a.body().getString("token"));
      err().printf("created token %s (%s) with scopes %s. It is shown only once.%n", a.body().getString("id"),
          name, a.body().getJsonArray("scopes").encode());
      return OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Tokens with their scopes and last use.")
  static final class TokensList extends Base {
    @Override
    public Integer call() throws Exception {
      ApiClient.Answer a = target.client().get(target.tenantPath() + "/tokens");
      if (!a.ok()) {
        return fail(a);
      }
      for (Object o : a.body().getJsonArray("data")) {
        JsonObject t = (JsonObject) o;
        out().printf("%-30s %-20s ...%-4s %-30s last used %s%s%n", t.getString("id"), t.getString("name"),
            t.getString("hint"), t.getJsonArray("scopes").encode(), t.getString("lastUsedAt"),
            t.getString("revokedAt") != null ? "  REVOKED " + t.getString("revokedAt")
                : t.getString("expiresAt") != null ? "  expires " + t.getString("expiresAt") : "");
      }
      return OK;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token at once.")
  static final class TokensRevoke extends Base {
    @picocli.CommandLine.Parameters(index = "0", paramLabel = "TOKEN_ID")
    String tokenId;

    @Override
    public Integer call() throws Exception {
      ApiClient.Answer a = target.client().call("DELETE", target.tenantPath() + "/tokens/" + tokenId, null, Map.of());
      if (!a.ok()) {
        return fail(a);
      }
      out().printf("token %s revoked%n", tokenId);
      return OK;
    }
  }

  @Command(name = "events", mixinStandardHelpOptions = true, description = "The event log.",
      subcommands = {EventsList.class, EventsShow.class})
  public static final class Events extends Group {}

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Events newest first, with filters.")
  static final class EventsList extends Base {
    @Option(names = "--event-type", description = "An event type, or a prefix such as order.*")
    String eventType;

    @Option(names = "--status", description = "pending (any delivery), failed (any) or delivered (all).")
    String status;

    @Option(names = "--endpoint")
    String endpoint;

    @Option(names = "--since", description = "UTC instant.")
    String since;

    @Option(names = "--until", description = "UTC instant.")
    String until;

    @Option(names = "--key", description = "The sender's Idempotency-Key.")
    String idempotencyKey;

    @Option(names = "--limit", defaultValue = "50", description = "Events per page, at most 500 (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--cursor", description = "The nextCursor printed by the previous page.")
    String cursor;

    @Override
    public Integer call() throws Exception {
      StringBuilder q = new StringBuilder("?limit=").append(limit);
      Audit.append(q, "eventType", eventType);
      Audit.append(q, "status", status);
      Audit.append(q, "endpoint", endpoint);
      Audit.append(q, "since", since);
      Audit.append(q, "until", until);
      Audit.append(q, "idempotencyKey", idempotencyKey);
      Audit.append(q, "cursor", cursor);
      ApiClient.Answer a = target.client().get(target.tenantPath() + "/events" + q);
      if (!a.ok()) {
        return fail(a);
      }
      JsonArray data = a.body().getJsonArray("data");
      if (data.isEmpty()) {
        out().println("no events match");
      }
      for (Object o : data) {
        JsonObject e = (JsonObject) o;
        JsonObject d = e.getJsonObject("deliveries");
        out().printf("%s  %s  %-30s pending %d, delivered %d, failed %d  key %s%n", e.getString("createdAt"),
            e.getString("id"), e.getString("eventType"), d.getLong("pending"), d.getLong("delivered"),
            d.getLong("failed"), e.getString("idempotencyKey"));
      }
      if (a.body().getString("nextCursor") != null) {
        out().println("more: --cursor " + a.body().getString("nextCursor"));
      }
      return OK;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One event: payload, deliveries and attempts.")
  static final class EventsShow extends Base {
    @picocli.CommandLine.Parameters(index = "0", paramLabel = "EVENT_ID")
    String eventId;

    @Override
    public Integer call() throws Exception {
      ApiClient.Answer a = target.client().get(target.tenantPath() + "/events/" + eventId);
      if (!a.ok()) {
        return fail(a);
      }
      out().println(a.body().encodePrettily());
      return OK;
    }
  }

  @Command(name = "replay", mixinStandardHelpOptions = true, description = "Re-queue an endpoint's deliveries in a time window.")
  public static final class Replay extends Base {
    @Option(names = "--endpoint", required = true)
    String endpoint;

    @Option(names = "--since", required = true, description = "UTC instant, e.g. 2026-11-26T10:00:00Z.")
    String since;

    @Option(names = "--until", description = "UTC instant (default now).")
    String until;

    @Option(names = "--status", defaultValue = "failed",
        description = "failed, pending (still retrying) or delivered (default ${DEFAULT-VALUE}).")
    String status;

    @Option(names = "--key", description = "Idempotency-Key (default: one derived from the endpoint, window and status,"
        + " so running the same replay again re-queues nothing twice; pass a new key to replay the window anew).")
    String key;

    @Override
    public Integer call() throws Exception {
      JsonObject body = new JsonObject().put("since", since).put("status", status);
      if (until != null) {
        body.put("until", until);
      }
      String idempotencyKey = key != null ? key : "cli-replay-" + endpoint + "-" + since + "-" + (until == null ? "now" : until)
          + "-" + status;
      ApiClient.Answer a = target.client().callOnce("POST", target.tenantPath() + "/endpoints/" + endpoint + "/replay",
          body, Map.of("Idempotency-Key", idempotencyKey));
      if (!a.ok()) {
        return fail(a);
      }
      out().printf("re-queued %d %s deliveries of %s between %s and %s%s%n", a.body().getInteger("requeued"),
          a.body().getString("status"), endpoint, a.body().getString("since"), a.body().getString("until"),
          a.replayed() ? " (this request had already run: nothing re-queued twice)" : "");
      return OK;
    }
  }

  @Command(name = "audit", mixinStandardHelpOptions = true, description = "The tenant's audit log.")
  public static final class Audit extends Base {
    @Option(names = "--endpoint")
    String endpoint;

    @Option(names = "--kind")
    String kind;

    @Option(names = "--since")
    String since;

    @Override
    public Integer call() throws Exception {
      StringBuilder q = new StringBuilder("?limit=1000");
      append(q, "endpoint", endpoint);
      append(q, "kind", kind);
      append(q, "since", since);
      ApiClient.Answer a = target.client().get(target.tenantPath() + "/audit" + q);
      if (!a.ok()) {
        return fail(a);
      }
      for (Object o : a.body().getJsonArray("data")) {
        JsonObject row = (JsonObject) o;
        out().printf("%s  %-30s %-30s %-30s %s %s%n", row.getString("at"), row.getString("kind"),
            row.getString("endpointId"), row.getString("actor"), versions(row), row.getJsonObject("detail").encode());
      }
      return OK;
    }

    private static String versions(JsonObject row) {
      Object before = row.getValue("versionBefore");
      Object after = row.getValue("versionAfter");
      return before == null && after == null ? "-" : "v" + (before == null ? "-" : before) + "->v" + after;
    }

    static void append(StringBuilder q, String name, String value) {
      if (value != null) {
        q.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    }
  }
}
