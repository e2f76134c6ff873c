package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.Compression;
import io.seglog.KeyProvider;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.internal.format.Checksums;
import io.seglog.testing.SegmentScan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** dump, verify and repair on an encrypted, compressed log: with, without and with a wrong key. */
class EncryptedLogCommandsTest {
  @TempDir Path tmp;

  static final byte[] KEY = key(5);

  Path dir;
  Path keyFile;

  static byte[] key(int b) {
    byte[] k = new byte[32];
    java.util.Arrays.fill(k, (byte) b);
    return k;
  }

  @BeforeEach
  void encryptedLog() throws IOException {
    dir = tmp.resolve("log");
    keyFile = tmp.resolve("keys");
    Files.writeString(keyFile, "# test keys\n3 " + Base64.getEncoder().encodeToString(KEY) + "\n");
    LogConfig config =
        LogConfig.builder()
            .compression(Compression.ZSTD)
            .encryption(KeyProvider.of(3, Map.of(3, KEY)))
            .build();
    try (Log log = Log.open(dir, config)) {
      for (int i = 1; i <= 20; i++) {
        log.append(("secret payload " + i + " ").repeat(10).getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void dumpWithTheKeyFilePrintsTheRecords() {
    CliRun.Result r = CliRun.run("dump", dir.toString(), "--key-file", keyFile.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines()).hasSize(20);
    assertThat(r.stdoutLines().get(0)).contains("text:secret payload 1 ");
  }

  @Test
  void readTakesTheKeyFileToo() {
    CliRun.Result r = CliRun.run("read", dir.toString(), "2", "--key-file", keyFile.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout()).isEqualTo("secret payload 2 ".repeat(10));
    CliRun.Result noKey = CliRun.run("read", dir.toString(), "2");
    assertThat(noKey.exitCode()).as("%s", noKey).isEqualTo(1);
    assertThat(noKey.stderr()).contains("cannot decrypt", "key id 3", "pass --key-file");
  }

  @Test
  void dumpWithoutTheKeyNamesTheKeyIdAndTheOption() {
    CliRun.Result r = CliRun.run("dump", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr())
        .contains("cannot decrypt", "key id 3", "00000000000000000001.seg", "byte offset 128")
        .contains("pass --key-file");
  }

  @Test
  void dumpWithAWrongKeySaysSo() throws IOException {
    Path wrong = tmp.resolve("wrong");
    Files.writeString(wrong, "3 " + Base64.getEncoder().encodeToString(key(6)) + "\n");
    CliRun.Result r = CliRun.run("dump", dir.toString(), "--key-file", wrong.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderr()).contains("wrong key", "key id 3");
  }

  @Test
  void aMalformedKeyFileIsNamedWithItsLine() throws IOException {
    Path bad = tmp.resolve("bad");
    Files.writeString(bad, "3 not-base64!\n");
    CliRun.Result r = CliRun.run("dump", dir.toString(), "--key-file", bad.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderr()).contains("key file " + bad + " line 1", "not valid base64");
  }

  @Test
  void verifyWithoutTheKeyChecksStructureAndSaysPayloadsWereNotAuthenticated() {
    CliRun.Result r = CliRun.run("verify", dir.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout())
        .contains("intact: 0 finding(s)")
        .contains(
            "encrypted: 20 frame(s); structure and checksums verified, payloads NOT"
                + " authenticated (no --key-file)");
    CliRun.Result json = CliRun.run("verify", dir.toString(), "--json");
    assertThat(json.stdout()).contains("\"encryptedFrames\":20,\"payloadsAuthenticated\":false");
  }

  @Test
  void verifyWithTheKeyAuthenticatesEveryPayload() {
    CliRun.Result r = CliRun.run("verify", dir.toString(), "--key-file", keyFile.toString());
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout())
        .contains("deep: 20 record(s) read through the engine")
        .contains("encrypted: 20 frame(s); payloads authenticated with the key file");
    CliRun.Result json =
        CliRun.run("verify", dir.toString(), "--json", "--key-file", keyFile.toString());
    assertThat(json.stdout()).contains("\"encryptedFrames\":20,\"payloadsAuthenticated\":true");
  }

  /** A flipped ciphertext bit with its frame checksum forged, as a tamperer would. */
  private SegmentScan.Frame tamper() throws IOException {
    Path seg = SegmentScan.segments(dir).get(0);
    SegmentScan.Frame f = SegmentScan.recordFrames(seg).get(4);
    byte[] bytes = Files.readAllBytes(seg);
    bytes[(int) f.offset() + f.length() - 20] ^= 0x01;
    ByteBuffer b = ByteBuffer.wrap(bytes);
    b.putInt((int) f.offset(), Checksums.crc32c(b, (int) f.offset() + 4, (int) f.end()));
    Files.write(seg, bytes);
    return f;
  }

  @Test
  void verifyWithTheKeyFindsTamperingThatStructureCannot() throws IOException {
    SegmentScan.Frame f = tamper();
    assertThat(CliRun.run("verify", dir.toString()).exitCode()).isZero();
    CliRun.Result r = CliRun.run("verify", dir.toString(), "--key-file", keyFile.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stdout())
        .contains("offset " + f.offset() + ": read: ")
        .contains("fails authentication");
  }

  @Test
  void repairWithTheKeyAuthenticatesAndReportsTampering() throws IOException {
    CliRun.Result ok = CliRun.run("repair", dir.toString(), "--key-file", keyFile.toString());
    assertThat(ok.exitCode()).as("%s", ok).isZero();
    assertThat(ok.stdout()).contains("authenticated: 20 record(s)");
    CliRun.Result noKey = CliRun.run("repair", dir.toString());
    assertThat(noKey.exitCode()).as("%s", noKey).isZero();
    assertThat(noKey.stdout()).doesNotContain("authenticated");
    SegmentScan.Frame f = tamper();
    CliRun.Result r = CliRun.run("repair", dir.toString(), "--key-file", keyFile.toString());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderr())
        .contains("fails authentication")
        .contains("byte offset " + f.offset())
        .contains("seglog verify --key-file");
    List<Path> segments = SegmentScan.segments(dir);
    assertThat(segments).hasSize(1);
  }
}
