package io.seglog.internal.codec;

import com.github.luben.zstd.Zstd;

/** Zstandard through zstd-jni. Loaded only by {@link Compressors}, by name. */
final class ZstdCompressor implements Compressor {
  private static final int LEVEL = 3;

  ZstdCompressor() {
    Zstd.defaultCompressionLevel(); // loads the native library now, so a failure shows here
  }

  @Override
  public int maxCompressedLength(int length) {
    return Math.toIntExact(Zstd.compressBound(length));
  }

  @Override
  public int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff) {
    long n = Zstd.compressByteArray(dst, dstOff, dst.length - dstOff, src, srcOff, length, LEVEL);
    if (Zstd.isError(n)) {
      throw new IllegalStateException("zstd compression failed: " + Zstd.getErrorName(n));
    }
    return (int) n;
  }

  @Override
  public void decompress(
      byte[] src, int srcOff, int length, byte[] dst, int dstOff, int rawLength) {
    long n = Zstd.decompressByteArray(dst, dstOff, rawLength, src, srcOff, length);
    if (Zstd.isError(n)) {
      throw new IllegalArgumentException("zstd data does not decompress: " + Zstd.getErrorName(n));
    }
    if (n != rawLength) {
      throw new IllegalArgumentException(
          "zstd data decompresses to " + n + " bytes, expected " + rawLength);
    }
  }
}
