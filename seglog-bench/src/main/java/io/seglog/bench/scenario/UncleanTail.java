package io.seglog.bench.scenario;

import io.seglog.Log;
import io.seglog.SyncPolicy;
import java.nio.file.Paths;

/**
 * Child JVM of {@link RecoveryTime}: opens the log, appends {@code tailMiB} MiB of 1 KiB records
 * under {@link SyncPolicy#NONE} (written, never fsynced), prints {@code ready lastIndex=..} and
 * waits to be killed; it never closes the log, so the next open is unclean.
 *
 * <p>Usage: {@code UncleanTail <dir> <tailMiB>}
 */
public final class UncleanTail {
  private UncleanTail() {}

  public static void main(String[] args) throws Exception {
    long tailBytes = Long.parseLong(args[1]) << 20;
    Log log = Log.open(Paths.get(args[0]), RecoveryTime.config());
    byte[] payload = new byte[RecoveryTime.RECORD_BYTES];
    for (long written = 0; written < tailBytes; written += payload.length) {
      payload[0] = (byte) written;
      log.append(payload);
    }
    System.out.println("ready lastIndex=" + log.lastIndex());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE); // killed here by the parent (destroyForcibly), log still open
  }
}
