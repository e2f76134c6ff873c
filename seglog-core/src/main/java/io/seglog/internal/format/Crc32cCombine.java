package io.seglog.internal.format;

/**
 * Combines two CRC32C values: from {@code crc(A)}, {@code crc(B)} and the length of {@code B},
 * computes {@code crc(A || B)} without the bytes. A streamed frame needs it: its body is written
 * (and checksummed) before its header, whose fields the checksum covers first.
 *
 * <p>The method is zlib's {@code crc32_combine} with the Castagnoli polynomial: appending {@code
 * len(B)} zero bytes to {@code A} is a linear map on the 32-bit CRC register, applied by squaring
 * the matrix of one zero bit, O(log len) 32x32 GF(2) matrix products. Stateless.
 */
public final class Crc32cCombine {
  private Crc32cCombine() {}

  /** The reflected Castagnoli polynomial. */
  private static final int POLYNOMIAL = 0x82F63B78;

  /**
   * {@code crc(A || B)} given {@code crcA = crc(A)}, {@code crcB = crc(B)} and {@code lengthB}, all
   * CRCs as {@link java.util.zip.CRC32C} computes them (initial value and final XOR included).
   */
  public static int combine(int crcA, int crcB, long lengthB) {
    if (lengthB < 0) {
      throw new IllegalArgumentException("negative length " + lengthB);
    }
    if (lengthB == 0) {
      return crcA;
    }
    int[] even = new int[32]; // operator for 2^k zero bits, k even
    int[] odd = new int[32]; // ... k odd
    odd[0] = POLYNOMIAL; // one zero bit
    int row = 1;
    for (int n = 1; n < 32; n++) {
      odd[n] = row;
      row <<= 1;
    }
    square(even, odd); // two zero bits
    square(odd, even); // four zero bits
    int crc = crcA;
    long len = lengthB;
    do { // apply one zero byte's operator, then 2, 4, ... for each set bit of the length
      square(even, odd);
      if ((len & 1) != 0) {
        crc = times(even, crc);
      }
      len >>>= 1;
      if (len == 0) {
        break;
      }
      square(odd, even);
      if ((len & 1) != 0) {
        crc = times(odd, crc);
      }
      len >>>= 1;
    } while (len != 0);
    return crc ^ crcB;
  }

  private static int times(int[] matrix, int vector) {
    int sum = 0;
    for (int i = 0; vector != 0; i++, vector >>>= 1) {
      if ((vector & 1) != 0) {
        sum ^= matrix[i];
      }
    }
    return sum;
  }

  private static void square(int[] square, int[] matrix) {
    for (int n = 0; n < 32; n++) {
      square[n] = times(matrix, matrix[n]);
    }
  }
}
