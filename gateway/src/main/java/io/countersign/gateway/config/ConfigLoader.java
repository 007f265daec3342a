package io.countersign.gateway.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@link GatewayConfig}: built-in defaults (the jar's copy of {@code config/gateway.yaml}), then an optional
 * file, then {@code COUNTERSIGN_*} environment variables, then explicit overrides by dotted path.
 *
 * <pre>{@code
 * GatewayConfig c = ConfigLoader.load(Optional.of(Path.of("my.yaml")), System.getenv(), Map.of("http.port", "9090"));
 * }</pre>
 */
public final class ConfigLoader {
  private static final String DEFAULTS_RESOURCE = "/gateway.yaml";
  private static final String ENV_PREFIX = "COUNTERSIGN_";
  /** Short names kept for compatibility with the documented {@code COUNTERSIGN_DB_URL}. */
  private static final Map<String, String> ENV_ALIASES = Map.of("COUNTERSIGN_DB_URL", "database.url");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
      .registerModule(new SimpleModule()
          .addDeserializer(Duration.class, new DurationDeserializer())
          .addDeserializer(List.class, new DurationListDeserializer()));

  private ConfigLoader() {}

  public static GatewayConfig load(Optional<Path> file, Map<String, String> env, Map<String, String> overrides) {
    ObjectNode tree = readDefaults();
    List<String> leafPaths = new ArrayList<>();
    collectLeafPaths(tree, "", leafPaths);
    if (file.isPresent()) {
      merge(tree, readFile(file.get()), file.get().toString());
    }
    ENV_ALIASES.forEach((name, path) -> {
      String value = env.get(name);
      if (value != null) {
        set(tree, path, value);
      }
    });
    for (String path : leafPaths) {
      String value = env.get(envName(path));
      if (value != null) {
        set(tree, path, value);
      }
    }
    overrides.forEach((path, value) -> {
      if (!leafPaths.contains(path)) {
        throw new ConfigException("unknown configuration key '" + path + "'");
      }
      set(tree, path, value);
    });
    GatewayConfig config;
    try {
      config = YAML.treeToValue(tree, GatewayConfig.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ConfigException("invalid configuration: " + e.getOriginalMessage(), e);
    }
    validate(config);
    return config;
  }

  /** {@code delivery.retrySchedule} becomes {@code COUNTERSIGN_DELIVERY_RETRY_SCHEDULE}. */
  public static String envName(String path) {
    StringBuilder sb = new StringBuilder(ENV_PREFIX);
    for (char c : path.toCharArray()) {
      if (c == '.') {
        sb.append('_');
      } else if (Character.isUpperCase(c)) {
        sb.append('_').append(c);
      } else {
        sb.append(Character.toUpperCase(c));
      }
    }
    return sb.toString().toUpperCase(Locale.ROOT);
  }

  private static void validate(GatewayConfig c) {
    if (c.admin().token() == null || c.admin().token().isBlank()) {
      throw new ConfigException("admin.token is required: set COUNTERSIGN_ADMIN_TOKEN (or admin.token in the config"
          + " file) to a long random value; it authorises creating tenants");
    }
    if (c.admin().token().length() < 8) {
      throw new ConfigException("admin.token must be at least 8 characters");
    }
    if (c.ingest().maxBodyBytes() <= 0) {
      throw new ConfigException("ingest.maxBodyBytes must be positive");
    }
    if (c.ingest().linger().isNegative() || c.ingest().linger().compareTo(Duration.ofMillis(100)) > 0) {
      throw new ConfigException("ingest.linger must be between 0 and 100ms: every accepted event may wait it");
    }
    if (c.delivery().retrySchedule().isEmpty()) {
      throw new ConfigException("delivery.retrySchedule needs at least one wait, e.g. 5s,5m,30m");
    }
    if (c.delivery().timeout().compareTo(c.delivery().leaseDuration()) >= 0) {
      throw new ConfigException("delivery.timeout (" + c.delivery().timeout() + ") must be shorter than"
          + " delivery.leaseDuration (" + c.delivery().leaseDuration() + "), or two processes could send one attempt");
    }
    GatewayConfig.Secrets s = c.secrets();
    if (s.minOverlap().compareTo(s.maxOverlap()) > 0 || s.defaultOverlap().compareTo(s.minOverlap()) < 0
        || s.defaultOverlap().compareTo(s.maxOverlap()) > 0) {
      throw new ConfigException("secrets overlaps must satisfy minOverlap <= defaultOverlap <= maxOverlap");
    }
    if (!(c.tracing().sampleRatio() >= 0 && c.tracing().sampleRatio() <= 1)) {
      throw new ConfigException("tracing.sampleRatio must be between 0 and 1");
    }
    if (c.delivery().pollInterval().isZero() || c.delivery().pollInterval().isNegative()) {
      throw new ConfigException("delivery.pollInterval must be positive");
    }
  }

  private static ObjectNode readDefaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new ConfigException("built-in defaults " + DEFAULTS_RESOURCE + " missing from the classpath");
      }
      return (ObjectNode) YAML.readTree(in);
    } catch (IOException e) {
      throw new ConfigException("cannot read built-in defaults", e);
    }
  }

  private static JsonNode readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("config file " + file + " does not exist");
    }
    try {
      return YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException("cannot parse config file " + file + ": " + e.getMessage(), e);
    }
  }

  private static void merge(ObjectNode target, JsonNode source, String origin) {
    if (source == null || source.isNull() || source.isMissingNode()) {
      return;
    }
    Iterator<Map.Entry<String, JsonNode>> fields = source.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode existing = target.get(field.getKey());
      if (existing == null) {
        throw new ConfigException("unknown configuration key '" + field.getKey() + "' in " + origin);
      }
      if (existing.isObject() && field.getValue().isObject()) {
        merge((ObjectNode) existing, field.getValue(), origin);
      } else {
        target.set(field.getKey(), field.getValue());
      }
    }
  }

  private static void collectLeafPaths(JsonNode node, String prefix, List<String> out) {
    node.fields().forEachRemaining(field -> {
      String path = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
      if (field.getValue().isObject()) {
        collectLeafPaths(field.getValue(), path, out);
      } else {
        out.add(path);
      }
    });
  }

  private static void set(ObjectNode tree, String path, String value) {
    String[] parts = path.split("\\.");
    ObjectNode node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      node = (ObjectNode) node.get(parts[i]);
    }
    node.set(parts[parts.length - 1], TextNode.valueOf(value));
  }

  private static final class DurationDeserializer extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      try {
        return Durations.parse(p.getValueAsString());
      } catch (RuntimeException e) {
        throw new ConfigException("invalid duration '" + p.getValueAsString() + "' at " + p.currentName(), e);
      }
    }
  }

  /** The only list in the config is the retry schedule, written as a comma-separated string. */
  private static final class DurationListDeserializer extends JsonDeserializer<List<Duration>> {
    @Override
    public List<Duration> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      try {
        return Durations.parseList(p.getValueAsString());
      } catch (RuntimeException e) {
        throw new ConfigException("invalid duration list '" + p.getValueAsString() + "' at " + p.currentName(), e);
      }
    }
  }
}
