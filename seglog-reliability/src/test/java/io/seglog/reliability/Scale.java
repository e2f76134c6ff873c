package io.seglog.reliability;

/** The size of a run: 1 in the default build, 20 under {@code -Plong}. */
final class Scale {
  private Scale() {}

  static int factor() {
    return Integer.getInteger("seglog.test.scale", 1);
  }

  /** {@code base} times the scale factor. */
  static int of(int base) {
    return Math.multiplyExact(base, factor());
  }

  /** The base seed of a randomized test: {@code -Dseglog.seed=N} replays a reported run. */
  static long seed(long defaultSeed) {
    return Long.getLong("seglog.seed", defaultSeed);
  }
}
