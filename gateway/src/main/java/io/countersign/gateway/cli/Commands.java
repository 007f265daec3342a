package io.countersign.gateway.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * SRE commands over the public HTTP API. Exit codes: 0 done, 1 failed, 3 a concurrent change won (nothing was
 * changed), 4 refused by the current state (for example an overlap in progress).
 *
 * <pre>{@code
 * countersign-gateway secret rotate --url https://gw --token $TOKEN --tenant acme --endpoint ep_123
 * }</pre>
 */
public final class Commands {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int RACE = 3;
  static final int REFUSED = 4;

  private Commands() {}

  /** Where and who: the gateway URL, a tenant token (or the admin token) and the tenant. */
  static final class Target {
    @Option(names = "--url", defaultValue = "http://localhost:8080", description = "Gateway base URL (default ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--token", defaultValue = "${env:COUNTERSIGN_TOKEN}", description = "Tenant or admin token (default: $COUNTERSIGN_TOKEN).")
    String token;

    @Option(names = "--tenant", required = true, description = "Tenant id.")
    String tenant;

    ApiClient client() {
      if (token == null || token.isBlank()) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new Object()),
            "--token or COUNTERSIGN_TOKEN is required");
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
      err().printf("error %d %s: %s%n", a.status(), a.code(), a.detail());
      return a.status() == 409 && "rotation_race".equals(a.code()) ? RACE : a.status() == 409 ? REFUSED : FAILED;
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
      subcommands = {EndpointsList.class})
  public static final class Endpoints extends Group {}

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List endpoints with their secrets and state.")
  static final class EndpointsList extends Base {
    @Override
    public Integer call() throws Exception {
      ApiClient.Answer a = target.client().get(target.tenantPath() + "/endpoints");
      if (!a.ok()) {
        return fail(a);
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

  static void printSecrets(PrintWriter out, JsonArray secrets) {
    for (Object s : secrets) {
      JsonObject secret = (JsonObject) s;
      out.printf("    %-9s %s ...%s%s%n", secret.getString("state"), secret.getString("id"), secret.getString("hint"),
          secret.getString("expiresAt") == null ? "" : "  valid until " + secret.getString("expiresAt") + " (UTC)");
    }
  }

  @Command(name = "secret", mixinStandardHelpOptions = true, description = "An endpoint's signing secrets.",
      subcommands = {SecretStatus.class, SecretRotate.class})
  public static final class Secret extends Group {}

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Secrets, overlap, adoption and signature rejections.")
  static final class SecretStatus extends Base {
    @Option(names = "--endpoint", required = true)
    String endpoint;

    @Override
    public Integer call() throws Exception {
      ApiClient.Answer a = target.client().get(target.tenantPath() + "/endpoints/" + endpoint);
      if (!a.ok()) {
        return fail(a);
      }
      JsonObject e = a.body();
      out().printf("endpoint %s (version %d) %s%n", e.getString("id"), e.getLong("version"), e.getString("url"));
      printSecrets(out(), e.getJsonArray("secrets"));
      out().printf("adoption: %s%nsignature rejections in the last hour: %d%n", e.getString("adoption"),
          e.getLong("signatureRejections"));
      return OK;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Rotate with If-Match on the version read just before; prints the new secret once, or why not.")
  static final class SecretRotate extends Base {
    @Option(names = "--endpoint", required = true)
    String endpoint;

    @Option(names = "--overlap", description = "ISO-8601 overlap, e.g. P7D (default: the gateway's).")
    String overlap;

    @Option(names = "--drop-previous", description = "Drop a previous secret that is still in force.")
    boolean dropPrevious;

    @Override
    public Integer call() throws Exception {
      ApiClient client = target.client();
      String path = target.tenantPath() + "/endpoints/" + endpoint;
      ApiClient.Answer current = client.get(path);
      if (!current.ok()) {
        return fail(current);
      }
      JsonObject body = new JsonObject();
      if (overlap != null) {
        body.put("overlap", overlap);
      }
      if (dropPrevious) {
        body.put("dropPrevious", true);
      }
      ApiClient.Answer a = client.call("POST", path + "/secret/rotate", body,
          Map.of("If-Match", "\"" + current.body().getLong("version") + "\""));
      if (a.status() == 409 && "rotation_race".equals(a.code())) {
        err().println("Another rotation happened meanwhile; nothing was changed and no secret is shown."
            + " Run 'secret status' and, if a new secret was issued, get it from whoever rotated.");
        return RACE;
      }
      if (!a.ok()) {
        return fail(a);
      }
      JsonObject r = a.body();
      out().println(r.getString("secret"));
      err().printf("rotated to version %d; receivers must switch before %s (UTC). This secret is shown only once.%n",
          r.getLong("version"), r.getString("receiversMustSwitchBefore"));
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

    @Option(names = "--status", defaultValue = "failed", description = "failed or delivered (default ${DEFAULT-VALUE}).")
    String status;

    @Option(names = "--key", description = "Idempotency-Key; repeat it to make a retry of this command safe.")
    String key;

    @Override
    public Integer call() throws Exception {
      JsonObject body = new JsonObject().put("since", since).put("status", status);
      if (until != null) {
        body.put("until", until);
      }
      String idempotencyKey = key != null ? key : "cli-replay-" + endpoint + "-" + since + "-" + (until == null ? "now" : until);
      ApiClient.Answer a = target.client().call("POST", target.tenantPath() + "/endpoints/" + endpoint + "/replay", body,
          Map.of("Idempotency-Key", idempotencyKey));
      if (!a.ok()) {
        return fail(a);
      }
      out().printf("re-queued %d deliveries of %s between %s and %s%n", a.body().getInteger("requeued"), endpoint,
          a.body().getString("since"), a.body().getString("until"));
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
        out().printf("%s  %-24s %-30s %-30s v%s->v%s %s%n", row.getString("at"), row.getString("kind"),
            row.getString("endpointId"), row.getString("actor"), row.getValue("versionBefore"),
            row.getValue("versionAfter"), row.getJsonObject("detail").encode());
      }
      return OK;
    }

    private static void append(StringBuilder q, String name, String value) {
      if (value != null) {
        q.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    }
  }
}
