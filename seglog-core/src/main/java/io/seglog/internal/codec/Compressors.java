package io.seglog.internal.codec;

import io.seglog.CodecUnavailableException;
import io.seglog.Compression;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Loads codec implementations on first use, by class name, so that no class of an optional codec
 * library is touched unless a frame of that codec is written or read. Thread-safe.
 */
final class Compressors {
  private Compressors() {}

  private static final String[] CLASSES = {
    null, "io.seglog.internal.codec.ZstdCompressor", "io.seglog.internal.codec.Lz4Compressor"
  };
  private static final String[] PROBES = {
    null, "com.github.luben.zstd.Zstd", "net.jpountz.lz4.LZ4Factory"
  };
  private static final AtomicReferenceArray<Compressor> LOADED =
      new AtomicReferenceArray<>(CLASSES.length);

  /**
   * The compressor of {@code codec}.
   *
   * @throws CodecUnavailableException if its library is not on the class path
   */
  static Compressor get(Compression codec) {
    Compressor c = LOADED.get(codec.id());
    return c != null ? c : load(codec); // no lock on the read path
  }

  private static synchronized Compressor load(Compression codec) {
    int id = codec.id();
    Compressor c = LOADED.get(id);
    if (c == null) {
      ClassLoader loader = Compressors.class.getClassLoader();
      try {
        Class.forName(PROBES[id], false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        throw new CodecUnavailableException(codec.toString(), codec.dependency(), e);
      }
      try {
        c =
            (Compressor)
                Class.forName(CLASSES[id], true, loader).getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException | LinkageError e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        throw new CodecUnavailableException(codec.toString(), codec.dependency(), cause);
      }
      LOADED.set(id, c);
    }
    return c;
  }
}
