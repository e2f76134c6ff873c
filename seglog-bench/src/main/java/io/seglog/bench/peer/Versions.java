package io.seglog.bench.peer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The versions of seglog and its peers this jar was built with (the shaded jar loses the peers' own
 * manifests).
 */
public final class Versions {
  private static final Properties VERSIONS = load();

  private Versions() {}

  /** The version of {@code key} (chronicle-queue, kafka, ratis, tape, seglog), or "unknown". */
  public static String of(String key) {
    return VERSIONS.getProperty(key, "unknown");
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = Versions.class.getResourceAsStream("versions.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
