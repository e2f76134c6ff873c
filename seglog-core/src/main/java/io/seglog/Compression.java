package io.seglog;

/**
 * How a log compresses the frames it writes ({@link LogConfig.Builder#compression}). Each frame
 * records its own codec, so a log may hold frames of several codecs, and frames written before the
 * setting changed stay readable. Compression is per frame (one append or one batch): batches
 * compress better than single small records.
 *
 * <p>The codecs come from optional dependencies of seglog-core, which the application adds to its
 * class path only if it uses them: {@link #ZSTD} needs {@code com.github.luben:zstd-jni}, {@link
 * #LZ4} needs {@code at.yawk.lz4:lz4-java}. A log that never compresses needs neither, and reading
 * a frame whose codec is missing fails with an error naming the dependency.
 */
public enum Compression {
  /** Frames are stored as they are (the default). */
  NONE(0, null, null),
  /** Zstandard, level 3: a good ratio at a few hundred MB/s. Needs zstd-jni. */
  ZSTD(1, "zstd", "com.github.luben:zstd-jni"),
  /** LZ4: a lower ratio, the fastest to compress and decompress. Needs lz4-java. */
  LZ4(2, "lz4", "at.yawk.lz4:lz4-java");

  private final int id;
  private final String label;
  private final String dependency;

  Compression(int id, String label, String dependency) {
    this.id = id;
    this.label = label;
    this.dependency = dependency;
  }

  /** The codec id stored in a frame's flags (docs/FORMAT.md section 3.2). */
  public int id() {
    return id;
  }

  /** The Maven coordinates of the library the codec needs, or null for {@link #NONE}. */
  public String dependency() {
    return dependency;
  }

  /** The codec with frame codec id {@code id}, or null if there is none. */
  public static Compression ofId(int id) {
    for (Compression c : values()) {
      if (c.id == id) {
        return c;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return label == null ? "none" : label;
  }
}
