package io.countersign.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;

/**
 * The public API's contract: {@code openapi.yaml} on the classpath (source in gateway/src/main/resources), served as
 * {@code GET /openapi.json}. A test holds it to the routes the router mounts.
 */
public final class OpenApiDocument {
  private OpenApiDocument() {}

  public static Buffer json() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream("/openapi.yaml")) {
      if (in == null) {
        throw new IllegalStateException("openapi.yaml is missing from the classpath");
      }
      Object tree = new ObjectMapper(new YAMLFactory()).readValue(in, Object.class);
      return Buffer.buffer(new ObjectMapper().writeValueAsBytes(tree));
    } catch (IOException e) {
      throw new IllegalStateException("openapi.yaml cannot be read", e);
    }
  }
}
