package io.seglog.cli;

import java.util.Map;

/**
 * The exact {@code seglog verify --json} output and exit code for each golden damaged log (see
 * src/test/resources/golden-damaged/README.md), with the log directory written as {@code $DIR}.
 * Shared by the in-process test and the process test. The offsets are explained, and checked
 * against the bytes independently, in {@code GoldenDamagedLogsTest}.
 */
final class GoldenDamagedExpectations {
  private GoldenDamagedExpectations() {}

  /** What verify must print and return. */
  record Expected(int exitCode, String stdoutLine, String stderrLine) {}

  static final Map<String, Expected> VERIFY_JSON =
      Map.ofEntries(
          Map.entry(
              "intact",
              new Expected(
                  0,
                  String.join(
                      "",
                      "{\"intact\":true,\"firstIndex\":1,\"lastIndex\":100,\"segments\":4,\"bytes\":13394,\"records\":100,\"chainAnchor\":\"45556d0c265016eab9e16cf1a77ec754d8bb79d485d6f45f35a1472762c558f2\",\"findings\":[",
                      "]}"),
                  "")),
          Map.entry(
              "torn-tail",
              new Expected(
                  1,
                  String.join(
                      "",
                      "{\"intact\":false,\"firstIndex\":1,\"lastIndex\":100,\"segments\":4,\"bytes\":13457,\"records\":100,\"chainAnchor\":\"45556d0c265016eab9e16cf1a77ec754d8bb79d485d6f45f35a1472762c558f2\",\"findings\":[",
                      "{\"file\":\"$DIR/00000000000000000091.seg\",\"offset\":1328,\"kind\":\"torn-tail\",\"message\":\"frame of 126 bytes runs past the end of the file\",\"firstAffectedIndex\":101,\"lastAffectedIndex\":null}",
                      "]}"),
                  "seglog: log $DIR is damaged: 1 finding(s), the first in $DIR/00000000000000000091.seg at byte offset 1328: frame of 126 bytes runs past the end of the file (indices from 101 on affected)")),
          Map.entry(
              "bit-flip",
              new Expected(
                  1,
                  String.join(
                      "",
                      "{\"intact\":false,\"firstIndex\":1,\"lastIndex\":44,\"segments\":4,\"bytes\":13394,\"records\":84,\"chainAnchor\":\"284aa41425b28539db8df9eb82a7de4113cdbfc86918f91d541a0160568fcc4d\",\"findings\":[",
                      "{\"file\":\"$DIR/00000000000000000031.seg\",\"offset\":1892,\"kind\":\"frame\",\"message\":\"frame checksum mismatch\",\"firstAffectedIndex\":45,\"lastAffectedIndex\":60}",
                      "]}"),
                  "seglog: log $DIR is damaged: 1 finding(s), the first in $DIR/00000000000000000031.seg at byte offset 1892: frame checksum mismatch (indices 45..60 affected)")),
          // The readable prefix is 1..30: the segment after the gap does not continue it.
          Map.entry(
              "missing-segment",
              new Expected(
                  1,
                  String.join(
                      "",
                      "{\"intact\":false,\"firstIndex\":1,\"lastIndex\":30,\"segments\":3,\"bytes\":9372,\"records\":70,\"chainAnchor\":\"284aa41425b28539db8df9eb82a7de4113cdbfc86918f91d541a0160568fcc4d\",\"findings\":[",
                      "{\"file\":\"$DIR/00000000000000000061.seg\",\"offset\":24,\"kind\":\"sequence\",\"message\":\"sequence 2 does not follow 0 of 00000000000000000001.seg\",\"firstAffectedIndex\":61,\"lastAffectedIndex\":90},",
                      "{\"file\":\"$DIR/00000000000000000061.seg\",\"offset\":32,\"kind\":\"gap\",\"message\":\"starts at index 61 but 00000000000000000001.seg ends before index 31\",\"firstAffectedIndex\":31,\"lastAffectedIndex\":60},",
                      "{\"file\":\"$DIR/00000000000000000061.seg\",\"offset\":48,\"kind\":\"chain\",\"message\":\"previous-segment digest does not match 00000000000000000001.seg\",\"firstAffectedIndex\":61,\"lastAffectedIndex\":90}",
                      "]}"),
                  "seglog: log $DIR is damaged: 3 finding(s), the first in $DIR/00000000000000000061.seg at byte offset 24: sequence 2 does not follow 0 of 00000000000000000001.seg (indices 61..90 affected)")),
          // The readable prefix is 1..30, as for missing-segment.
          Map.entry(
              "reordered-segments",
              new Expected(
                  1,
                  String.join(
                      "",
                      "{\"intact\":false,\"firstIndex\":1,\"lastIndex\":30,\"segments\":4,\"bytes\":13394,\"records\":100,\"chainAnchor\":\"284aa41425b28539db8df9eb82a7de4113cdbfc86918f91d541a0160568fcc4d\",\"findings\":[",
                      "{\"file\":\"$DIR/00000000000000000031.seg\",\"offset\":32,\"kind\":\"misnamed\",\"message\":\"header says base index 61 but the file is named for 31\",\"firstAffectedIndex\":61,\"lastAffectedIndex\":90},",
                      "{\"file\":\"$DIR/00000000000000000031.seg\",\"offset\":24,\"kind\":\"sequence\",\"message\":\"sequence 2 does not follow 0 of 00000000000000000001.seg\",\"firstAffectedIndex\":61,\"lastAffectedIndex\":90},",
                      "{\"file\":\"$DIR/00000000000000000031.seg\",\"offset\":32,\"kind\":\"gap\",\"message\":\"starts at index 61 but 00000000000000000001.seg ends before index 31\",\"firstAffectedIndex\":31,\"lastAffectedIndex\":60},",
                      "{\"file\":\"$DIR/00000000000000000031.seg\",\"offset\":48,\"kind\":\"chain\",\"message\":\"previous-segment digest does not match 00000000000000000001.seg\",\"firstAffectedIndex\":61,\"lastAffectedIndex\":90},",
                      "{\"file\":\"$DIR/00000000000000000061.seg\",\"offset\":32,\"kind\":\"misnamed\",\"message\":\"header says base index 31 but the file is named for 61\",\"firstAffectedIndex\":31,\"lastAffectedIndex\":60},",
                      "{\"file\":\"$DIR/00000000000000000061.seg\",\"offset\":24,\"kind\":\"sequence\",\"message\":\"sequence 1 does not follow 2 of 00000000000000000031.seg\",\"firstAffectedIndex\":31,\"lastAffectedIndex\":60},",
                      "{\"file\":\"$DIR/00000000000000000061.seg\",\"offset\":32,\"kind\":\"gap\",\"message\":\"starts at index 31 but 00000000000000000031.seg ends before index 91\",\"firstAffectedIndex\":31,\"lastAffectedIndex\":90},",
                      "{\"file\":\"$DIR/00000000000000000061.seg\",\"offset\":48,\"kind\":\"chain\",\"message\":\"previous-segment digest does not match 00000000000000000031.seg\",\"firstAffectedIndex\":31,\"lastAffectedIndex\":60},",
                      "{\"file\":\"$DIR/00000000000000000091.seg\",\"offset\":24,\"kind\":\"sequence\",\"message\":\"sequence 3 does not follow 1 of 00000000000000000061.seg\",\"firstAffectedIndex\":91,\"lastAffectedIndex\":100},",
                      "{\"file\":\"$DIR/00000000000000000091.seg\",\"offset\":32,\"kind\":\"gap\",\"message\":\"starts at index 91 but 00000000000000000061.seg ends before index 61\",\"firstAffectedIndex\":61,\"lastAffectedIndex\":90},",
                      "{\"file\":\"$DIR/00000000000000000091.seg\",\"offset\":48,\"kind\":\"chain\",\"message\":\"previous-segment digest does not match 00000000000000000061.seg\",\"firstAffectedIndex\":91,\"lastAffectedIndex\":100}",
                      "]}"),
                  "seglog: log $DIR is damaged: 11 finding(s), the first in $DIR/00000000000000000031.seg at byte offset 32: header says base index 61 but the file is named for 31 (indices 61..90 affected)")),
          // The anchor is the forged segment's digest: its link to segment 1 is intact; which of
          // segments 2 and 3 was replaced, the chain alone cannot tell. The readable prefix ends at
          // 60: segment 3 follows the broken link.
          Map.entry(
              "replaced-segment",
              new Expected(
                  1,
                  String.join(
                      "",
                      "{\"intact\":false,\"firstIndex\":1,\"lastIndex\":60,\"segments\":4,\"bytes\":13394,\"records\":100,\"chainAnchor\":\"99a7cbfcf9a49a4ee7483ea54739be4a1228cf5f1dc7ab5bc8889df1cb3375e5\",\"findings\":[",
                      "{\"file\":\"$DIR/00000000000000000061.seg\",\"offset\":48,\"kind\":\"chain\",\"message\":\"previous-segment digest does not match 00000000000000000031.seg\",\"firstAffectedIndex\":61,\"lastAffectedIndex\":90}",
                      "]}"),
                  "seglog: log $DIR is damaged: 1 finding(s), the first in $DIR/00000000000000000061.seg at byte offset 48: previous-segment digest does not match 00000000000000000031.seg (indices 61..90 affected)")),
          // A damaged index file is derived data, rebuilt on open: every record stays readable,
          // and the anchor is the intact log's.
          Map.entry(
              "damaged-index",
              new Expected(
                  1,
                  String.join(
                      "",
                      "{\"intact\":false,\"firstIndex\":1,\"lastIndex\":100,\"segments\":4,\"bytes\":13394,\"records\":100,\"chainAnchor\":\"45556d0c265016eab9e16cf1a77ec754d8bb79d485d6f45f35a1472762c558f2\",\"findings\":[",
                      "{\"file\":\"$DIR/00000000000000000031.idx\",\"offset\":320,\"kind\":\"index-file\",\"message\":\"index entries checksum mismatch\",\"firstAffectedIndex\":31,\"lastAffectedIndex\":60}",
                      "]}"),
                  "seglog: log $DIR is damaged: 1 finding(s), the first in $DIR/00000000000000000031.idx at byte offset 320: index entries checksum mismatch (indices 31..60 affected)")));
}
