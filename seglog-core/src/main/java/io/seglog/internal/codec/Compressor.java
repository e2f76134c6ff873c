package io.seglog.internal.codec;

/**
 * One compression codec over byte arrays. Implementations are stateless and thread-safe. The
 * classes that implement it with a library ({@link ZstdCompressor}, {@link Lz4Compressor}) are only
 * ever loaded through {@link Compressors}, by name, so that a log that does not compress never
 * needs the library.
 */
interface Compressor {
  /** Largest output {@link #compress} may produce for {@code length} input bytes. */
  int maxCompressedLength(int length);

  /**
   * Compresses {@code src[srcOff, srcOff + length)} into {@code dst} from {@code dstOff}, which has
   * at least {@link #maxCompressedLength} bytes free. Returns the compressed length.
   */
  int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff);

  /**
   * Decompresses {@code src[srcOff, srcOff + length)} into exactly {@code rawLength} bytes of
   * {@code dst} from {@code dstOff}.
   *
   * @throws IllegalArgumentException if the input is not valid or does not decompress to exactly
   *     {@code rawLength} bytes
   */
  void decompress(byte[] src, int srcOff, int length, byte[] dst, int dstOff, int rawLength);
}
