package io.seglog.bench.scenario;

import io.seglog.Log;
import io.seglog.RecoveryReport;
import java.nio.file.Paths;

/**
 * Child JVM of {@link RecoveryTime}: times {@code Log.open} (recovery included) and {@code close}
 * of an existing log in a fresh JVM, and prints the recovery report as {@code key=value} pairs.
 *
 * <p>Usage: {@code OpenProbe <dir>}
 */
public final class OpenProbe {
  private OpenProbe() {}

  public static void main(String[] args) {
    long t0 = System.nanoTime();
    Log log = Log.open(Paths.get(args[0]), RecoveryTime.config());
    long t1 = System.nanoTime();
    RecoveryReport r = log.recoveryReport();
    long records = log.stats().recordCount();
    long bytes = log.stats().totalBytes();
    int segments = log.stats().segmentCount();
    log.close();
    long t2 = System.nanoTime();
    System.out.printf(
        "open_ms=%.1f close_ms=%.1f segmentsScanned=%d bytesScanned=%d bytesCut=%d"
            + " indexFilesRebuilt=%d records=%d logBytes=%d segments=%d%n",
        (t1 - t0) / 1e6,
        (t2 - t1) / 1e6,
        r.segmentsScanned(),
        r.bytesScanned(),
        r.bytesCut(),
        r.indexFilesRebuilt().size(),
        records,
        bytes,
        segments);
  }
}
