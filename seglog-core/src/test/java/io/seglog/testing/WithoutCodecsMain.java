package io.seglog.testing;

import io.seglog.CodecUnavailableException;
import io.seglog.Compression;
import io.seglog.Log;
import io.seglog.LogConfig;
import java.nio.file.Path;

/**
 * Run in a child JVM without the optional codec libraries on its class path (by {@code
 * OptionalCodecsTest}). {@code plain DIR}: a plain log is created, appended to, reopened and read;
 * {@code read DIR}: reads record 1 of an existing log; {@code open-zstd DIR}: opens with zstd
 * compression. Prints one line: {@code OK <detail>}, {@code CODEC <message>} or {@code ERROR
 * <exception>}.
 */
public final class WithoutCodecsMain {
  private WithoutCodecsMain() {}

  public static void main(String[] args) {
    Path dir = Path.of(args[1]);
    try {
      switch (args[0]) {
        case "plain" -> {
          try (Log log = Log.open(dir, LogConfig.defaults())) {
            log.append(new byte[] {1, 2, 3});
            log.roll();
            log.append(new byte[] {4});
          }
          try (Log log = Log.open(dir, LogConfig.defaults())) {
            System.out.println(
                "OK "
                    + log.lastIndex()
                    + " "
                    + log.read(1).size()
                    + " zstd-present="
                    + present("com.github.luben.zstd.Zstd")
                    + " lz4-present="
                    + present("net.jpountz.lz4.LZ4Factory"));
          }
        }
        case "read" -> {
          try (Log log = Log.openReadOnly(dir, LogConfig.defaults())) {
            System.out.println("OK " + log.read(1).size());
          }
        }
        case "open-zstd" -> {
          try (Log log = Log.open(dir, LogConfig.builder().compression(Compression.ZSTD).build())) {
            System.out.println("OK " + log.lastIndex());
          }
        }
        default -> throw new IllegalArgumentException(args[0]);
      }
    } catch (CodecUnavailableException e) {
      System.out.println("CODEC " + e.getMessage());
    } catch (RuntimeException e) {
      System.out.println("ERROR " + e);
    }
  }

  private static boolean present(String name) {
    try {
      Class.forName(name, false, WithoutCodecsMain.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
