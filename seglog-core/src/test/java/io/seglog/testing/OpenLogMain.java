package io.seglog.testing;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogLockedException;
import io.seglog.SyncPolicy;
import java.nio.file.Path;

/**
 * Run in a child JVM by tests: opens the log in {@code args[0]}, appends one record when {@code
 * args[1]} is "append", and prints one line: {@code OPENED <lastIndex>}, {@code LOCKED <message>}
 * or {@code ERROR <exception>}. Exits 0, 3 (locked) or 4 (error).
 */
public final class OpenLogMain {
  private OpenLogMain() {}

  public static void main(String[] args) {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
    try (Log log = Log.open(Path.of(args[0]), config)) {
      if (args.length > 1 && args[1].equals("append")) {
        log.append(new byte[] {1, 2, 3});
      }
      System.out.println("OPENED " + log.lastIndex());
      System.out.flush();
    } catch (LogLockedException e) {
      System.out.println("LOCKED " + e.getMessage());
      System.out.flush();
      System.exit(3);
    } catch (RuntimeException e) {
      System.out.println("ERROR " + e);
      System.out.flush();
      System.exit(4);
    }
  }
}
