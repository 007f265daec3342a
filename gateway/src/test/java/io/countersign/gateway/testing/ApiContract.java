package io.countersign.gateway.testing;

import com.networknt.schema.InputFormat;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.countersign.gateway.OpenApiDocument;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Holds every answer the integration tests record (through {@link TestGateway}) to openapi.yaml: a documented
 * operation may answer only a documented status, and its body must validate against that response's schema.
 * Paths the document does not describe (deliberately wrong ones in hostile-input tests) are not checked here;
 * {@code OpenApiIT} holds the document to the router.
 */
public final class ApiContract {
  private static final String BASE = "https://countersign.invalid/openapi.json";
  private static final JsonObject DOC = new JsonObject(OpenApiDocument.json());
  private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
      b -> b.schemaLoaders(l -> l.schemas(Map.of(BASE, DOC.encode()))));
  private static final List<Map.Entry<Pattern, String>> TEMPLATES = new ArrayList<>();

  static {
    for (String template : DOC.getJsonObject("paths").fieldNames()) {
      TEMPLATES.add(Map.entry(Pattern.compile(template.replaceAll("\\{[^}]+}", "[^/]+")), template));
    }
  }

  private ApiContract() {}

  /** Fails the test when the answer breaks the contract. */
  public static void check(String method, String path, int status, String body) {
    String template = null;
    for (Map.Entry<Pattern, String> t : TEMPLATES) {
      if (t.getKey().matcher(path).matches()) {
        template = t.getValue();
      }
    }
    if (template == null) {
      return;
    }
    String pointer = "/paths/" + escape(template);
    JsonObject operation = DOC.getJsonObject("paths").getJsonObject(template).getJsonObject(method.toLowerCase(Locale.ROOT));
    if (operation == null) {
      return;   // the router answers 405 for it: not an operation
    }
    pointer += "/" + method.toLowerCase(Locale.ROOT) + "/responses/" + status;
    JsonObject response = operation.getJsonObject("responses").getJsonObject(Integer.toString(status));
    if (response == null) {
      throw new AssertionError(method + " " + path + " answered " + status + ", which openapi.yaml does not list for "
          + method + " " + template + ": " + body);
    }
    if (status >= 400) {
      checkCode(method + " " + path, operation, status, body);
    }
    while (response.containsKey("$ref")) {
      pointer = response.getString("$ref").substring(1);
      response = resolve(pointer);
    }
    JsonObject content = response.getJsonObject("content");
    if (content == null || !content.containsKey("application/json")) {
      return;
    }
    if (!content.getJsonObject("application/json").containsKey("schema")) {
      return;
    }
    Set<ValidationMessage> errors = SCHEMAS.getSchema(SchemaLocation.of(BASE + "#" + pointer
        + "/content/application~1json/schema")).validate(body, InputFormat.JSON);
    if (!errors.isEmpty()) {
      throw new AssertionError(method + " " + path + " " + status + " breaks openapi.yaml (" + pointer + "): " + errors
          + "\n" + body);
    }
  }

  /** An error's code must be one the document lists for the operation, or for every route, at that status. */
  private static void checkCode(String call, JsonObject operation, int status, String body) {
    String code;
    try {
      code = new JsonObject(body).getString("code");
    } catch (RuntimeException notJson) {
      throw new AssertionError(call + " answered " + status + " without a JSON error body: " + body);
    }
    String key = Integer.toString(status);
    List<Object> allowed = new ArrayList<>();
    JsonObject own = operation.getJsonObject("x-error-codes");
    if (own != null && own.getJsonArray(key) != null) {
      allowed.addAll(own.getJsonArray(key).getList());
    }
    JsonObject common = DOC.getJsonObject("x-common-error-codes");
    if (common.getJsonArray(key) != null) {
      allowed.addAll(common.getJsonArray(key).getList());
    }
    if (!allowed.contains(code)) {
      throw new AssertionError(call + " answered " + status + " " + code + ", which openapi.yaml does not list for it"
          + " (x-error-codes, x-common-error-codes): " + body);
    }
  }

  private static JsonObject resolve(String pointer) {
    Object node = DOC;
    for (String part : pointer.substring(1).split("/")) {
      node = ((JsonObject) node).getValue(part.replace("~1", "/").replace("~0", "~"));
    }
    return (JsonObject) node;
  }

  private static String escape(String segment) {
    return segment.replace("~", "~0").replace("/", "~1");
  }
}
