import Foundation
import Testing

@testable import TractionCore

@Suite struct RecordingReaderTests {
  typealias F = RecordingFixtures

  @Test func readsSpecExample() throws {
    let text = """
      # format: traction-recording/1
      # rate_hz: 200
      # sensor: mpu6050
      # placement: upper-back
      # started: 2026-11-21T09:30:00Z
      t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z
      0.000000,0.1312,-0.0417,9.7921,0.00122,-0.00041,0.00007
      0.005000,0.1290,-0.0433,9.7968,0.00109,-0.00052,0.00011

      """
    let (r, s) = try F.readAll(text)
    #expect(s.count == 2)
    #expect(r.sampleCount == 2)
    #expect(r.lastTime == 0.005)
    #expect(r.metadata.rateHz == 200)
    #expect(r.metadata.sensor == "mpu6050")
    #expect(r.metadata.placement == "upper-back")
    #expect(r.metadata.started == "2026-11-21T09:30:00Z")
    #expect(r.metadata.profile == nil)
    #expect(r.layout.hasIMU && !r.layout.hasIMU2 && !r.layout.hasLoad && !r.layout.hasSeq)
    #expect(r.layout.columns == ["t_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"])
    #expect(
      s[0] == Sample(t: 0, imu: F.imu((0.1312, -0.0417, 9.7921), (0.00122, -0.00041, 0.00007))))
    #expect(
      s[1] == Sample(t: 0.005, imu: F.imu((0.1290, -0.0433, 9.7968), (0.00109, -0.00052, 0.00011))))
    #expect(r.gaps.isEmpty)
    #expect(r.notices.isEmpty)
  }

  @Test func columnOrderIsFreeAndAllColumnsMap() throws {
    let text = """
      # format: traction-recording/1
      seq,gyr2_z,load_n,gyr_z,acc_x,t_s,acc2_x,acc2_y,acc2_z,gyr2_x,gyr2_y,squeeze_n,acc_y,acc_z,gyr_x,gyr_y
      7,26,30.5,6,1,0.25,21,22,23,24,25,40.25,2,3,4,5

      """
    let (r, s) = try F.readAll(text)
    #expect(
      r.layout.hasIMU && r.layout.hasIMU2 && r.layout.hasLoad && r.layout.hasSqueeze
        && r.layout.hasSeq)
    let expected = Sample(
      t: 0.25, imu: F.imu((1, 2, 3), (4, 5, 6)), imu2: F.imu((21, 22, 23), (24, 25, 26)),
      loadN: 30.5,
      squeezeN: 40.25, seq: 7)
    #expect(s == [expected])
  }

  @Test func loadOnlyRecording() throws {
    let (r, s) = try F.readAll("# format: traction-recording/1\nload_n,t_s\n12.5,0\n13,0.1\n")
    #expect(!r.layout.hasIMU && r.layout.hasLoad)
    #expect(s == [Sample(t: 0, loadN: 12.5), Sample(t: 0.1, loadN: 13)])
  }

  @Test func blankAndCommentLinesAreIgnoredAndLinesStayPhysical() throws {
    let text = """
      # format: traction-recording/1

      # note: before header

      t_s,load_n
      0,1
      # a comment between samples

         
      0.1,2
      # format: still just a comment here
      0.1,3

      """
    // Line 12 (`0.1,3`) repeats the time: the error must name the physical line.
    let e = F.error(text)
    #expect(e?.kind == .timeNotIncreasing)
    #expect(e?.line == 12)
    #expect(e?.column == 1)
    #expect(e?.columnName == "t_s")
    let ok = try F.readAll(text.replacingOccurrences(of: "0.1,3", with: "0.2,3")).1
    #expect(ok.map(\.loadN) == [1, 2, 3])
  }

  @Test func exponentNotationSignsAndSpaces() throws {
    let text = "# format: traction-recording/1\nt_s,load_n\n0,1e-3\n2.5E-2, -.5\n 3e-1 ,+7.\n"
    let s = try F.readAll(text).1
    #expect(s.map(\.t) == [0, 0.025, 0.3])
    #expect(s.map(\.loadN) == [0.001, -0.5, 7])
  }

  @Test func crlfAndByteOrderMarkAreAccepted() throws {
    let text =
      "\u{FEFF}# format: traction-recording/1\r\n# rate_hz: 100\r\nt_s,load_n\r\n0,1\r\n0.01,2\r\n"
    let (r, s) = try F.readAll(text)
    #expect(r.metadata.rateHz == 100)
    #expect(s.map(\.loadN) == [1, 2])
  }

  @Test func unknownMetadataIsKeptInOrder() throws {
    let text = """
      # format: traction-recording/1
      # operator: anna
      # rate_hz: 200
      # firmware: 1.2.3: beta
      # note:
      t_s,load_n
      0,1

      """
    let r = try F.readAll(text).0
    #expect(r.metadata.entries.map(\.key) == ["operator", "rate_hz", "firmware", "note"])
    #expect(r.metadata["firmware"] == "1.2.3: beta")
    #expect(r.metadata["operator"] == "anna")
    #expect(r.metadata.note == "")
  }

  @Test func unknownColumnIsKeptInLayoutAndIgnored() throws {
    let text = "# format: traction-recording/1\nt_s,temp_c,load_n\n0,hot,1\n0.1,21.5,2\n"
    let (r, s) = try F.readAll(text)
    #expect(r.layout.columns == ["t_s", "temp_c", "load_n"])
    #expect(r.layout.unknownColumns == ["temp_c"])
    #expect(s.map(\.loadN) == [1, 2])
    #expect(r.notices.count == 1)
    #expect(r.notices.first?.kind == .unknownColumnIgnored)
    #expect(r.notices.first?.line == 2)
    #expect(r.notices.first?.column == 2)
  }

  // MARK: Truncated last line

  @Test func cutShortLastLineIsDroppedWithNotice() throws {
    let text = F.head + "0,1,2,3,4,5,6\n0.005,1,2,3,4,5,6\n0.010,1,2,3,4"
    let (r, s) = try F.readAll(text)
    #expect(s.count == 2)
    #expect(r.lastTime == 0.005)
    #expect(r.notices.count == 1)
    #expect(r.notices.first?.kind == .truncatedLastLineDropped)
    #expect(r.notices.first?.line == 6)
    #expect(r.notices.first?.file == "s7.csv")
  }

  @Test func lastLineCutInsideAnExponentIsDropped() throws {
    let text = F.head + "0,1,2,3,4,5,6\n0.005,1,2,3,4,5,1.5e"
    let (r, s) = try F.readAll(text)
    #expect(s.count == 1)
    #expect(r.notices.first?.kind == .truncatedLastLineDropped)
  }

  @Test func completeLastLineWithoutNewlineIsASample() throws {
    let text = F.head + "0,1,2,3,4,5,6\n0.005,1,2,3,4,5,7"
    let (r, s) = try F.readAll(text)
    #expect(s.count == 2)
    #expect(s.last?.imu?.gyr.z == 7)
    #expect(r.notices.isEmpty)
  }

  @Test func shortLineWithNewlineIsAnErrorNotATruncation() {
    let e = F.error(F.head + "0,1,2,3,4,5,6\n0.005,1,2,3,4\n")
    #expect(e?.kind == .wrongFieldCount)
    #expect(e?.line == 5)
  }

  // MARK: Errors

  @Test func missingFileNamesPathAndErrno() {
    let path = "/nonexistent-dir-traction/s1.csv"
    #expect(throws: RecordingError.self) { _ = try RecordingReader(path: path) }
    do {
      _ = try RecordingReader(path: path)
    } catch {
      #expect(error.kind == .unreadable)
      #expect(error.file == path)
      #expect(error.description.contains("No such file or directory"))
      #expect(error.description.hasPrefix(path + ": "))
    }
  }

  @Test func directoryIsUnreadable() throws {
    let dir = try F.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    do {
      _ = try RecordingReader(path: dir.path)
      Issue.record("a directory was read as a recording")
    } catch {
      #expect(error.kind == .unreadable)
    }
  }

  @Test func emptyFile() {
    let e = F.error("")
    #expect(e?.kind == .empty)
    #expect(e?.description == "s7.csv: the file is empty")
  }

  @Test func firstLineMustBeFormatLine() {
    let e1 = F.error("t_s,load_n\n0,1\n")
    #expect(e1?.kind == .notARecording)
    #expect(e1?.line == 1)
    let e2 = F.error("# rate_hz: 200\n# format: traction-recording/1\nt_s,load_n\n0,1\n")
    #expect(e2?.kind == .notARecording)
    #expect(e2?.line == 1)
    let e3 = F.error("# format: other-thing/1\nt_s,load_n\n")
    #expect(e3?.kind == .notARecording)
  }

  @Test func unknownFormatVersion() {
    let e = F.error("# format: traction-recording/2\nt_s,load_n\n0,1\n")
    #expect(e?.kind == .unsupportedVersion)
    #expect(e?.line == 1)
    #expect(e?.description.contains("traction-recording/2") == true)
  }

  @Test func malformedMetadataLines() {
    let noColon = F.error("# format: traction-recording/1\n# rate_hz 200\nt_s,load_n\n")
    #expect(noColon?.kind == .badMetadata)
    #expect(noColon?.line == 2)
    let badRate = F.error(
      "# format: traction-recording/1\n# sensor: x\n# rate_hz: fast\nt_s,load_n\n")
    #expect(badRate?.kind == .badMetadata)
    #expect(badRate?.line == 3)
    let nanRate = F.error("# format: traction-recording/1\n# rate_hz: nan\nt_s,load_n\n")
    #expect(nanRate?.kind == .badMetadata)
    // A rate no sensor gives is a slip (and would be printed as a 300-digit number).
    let hugeRate = F.error("# format: traction-recording/1\n# rate_hz: 1e300\nt_s,load_n\n")
    #expect(hugeRate?.kind == .badMetadata)
    #expect(hugeRate?.description.contains("beyond the largest plausible 100000") == true)
    #expect(F.error("# format: traction-recording/1\n# rate_hz: 8000\nt_s,load_n\n0,1\n") == nil)
    let dup = F.error("# format: traction-recording/1\n# sensor: a\n\n# sensor: b\nt_s,load_n\n")
    #expect(dup?.kind == .badMetadata)
    #expect(dup?.line == 4)
    let secondFormat = F.error(
      "# format: traction-recording/1\n# format: traction-recording/1\nt_s,load_n\n")
    #expect(secondFormat?.kind == .badMetadata)
    #expect(secondFormat?.line == 2)
  }

  @Test func missingHeader() {
    let eof = F.error("# format: traction-recording/1\n# rate_hz: 200\n\n")
    #expect(eof?.kind == .missingHeader)
    let numbers = F.error("# format: traction-recording/1\n# rate_hz: 200\n0,1,2\n")
    #expect(numbers?.kind == .missingHeader)
    #expect(numbers?.line == 3)
  }

  @Test func duplicateColumn() {
    let e = F.error("# format: traction-recording/1\nt_s,load_n,squeeze_n,load_n\n0,1,2,3\n")
    #expect(e?.kind == .duplicateColumn)
    #expect(e?.line == 2)
    #expect(e?.column == 4)
    #expect(e?.columnName == "load_n")
    #expect(e?.description == "s7.csv:2: column 4 (load_n): column 'load_n' appears twice")
  }

  @Test func missingRequiredColumns() {
    let noTime = F.error("# format: traction-recording/1\nload_n\n1\n")
    #expect(noTime?.kind == .missingColumn)
    #expect(noTime?.columnName == "t_s")
    #expect(noTime?.line == 2)
    let partialIMU = F.error("# format: traction-recording/1\nt_s,acc_x,acc_y,acc_z,gyr_x,gyr_y\n")
    #expect(partialIMU?.kind == .missingColumn)
    #expect(partialIMU?.columnName == "gyr_z")
    let partialIMU2 = F.error(
      "# format: traction-recording/1\nt_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z,acc2_x\n")
    #expect(partialIMU2?.kind == .missingColumn)
    #expect(partialIMU2?.columnName == "acc2_y")
    let nothing = F.error("# format: traction-recording/1\nt_s,squeeze_n,seq\n")
    #expect(nothing?.kind == .missingColumn)
    let emptyName = F.error("# format: traction-recording/1\nt_s,,load_n\n")
    #expect(emptyName?.kind == .badHeader)
    #expect(emptyName?.column == 2)
  }

  /// The message format the task gives as its example, reproduced exactly.
  @Test func notANumberMessageMatchesTheDocumentedExample() {
    var text = F.head  // lines 1-3
    for i in 0..<8 { text += "\(Double(i) * 0.005),1,2,3,4,5,6\n" }  // lines 4-11
    text += "0.04,1,abc,3,4,5,6\n"  // line 12
    let e = F.error(text)
    #expect(e?.kind == .notANumber)
    #expect(e?.line == 12)
    #expect(e?.column == 3)
    #expect(e?.columnName == "acc_y")
    #expect(e?.description == "s7.csv:12: column 3 (acc_y): 'abc' is not a number")
  }

  @Test func emptyFieldIsNotANumber() {
    let e = F.error(F.head + "0,1,2,3,,5,6\n")
    #expect(e?.kind == .notANumber)
    #expect(e?.line == 4)
    #expect(e?.column == 5)
    #expect(e?.columnName == "gyr_x")
  }

  @Test func nanAndInfinityAreRejected() {
    for (bad, col) in [("nan", 2), ("NaN", 3), ("-inf", 4), ("Infinity", 5), ("1e999", 7)] {
      var fields = ["0", "1", "2", "3", "4", "5", "6"]
      fields[col - 1] = bad
      let e = F.error(
        F.head + "0.5,1,2,3,4,5,6\n" + "0.6" + fields.dropFirst().map { "," + $0 }.joined() + "\n")
      #expect(e?.kind == .notFinite, "\(bad)")
      #expect(e?.line == 5)
      #expect(e?.column == col)
    }
    let t = F.error(F.head + "nan,1,2,3,4,5,6\n")
    #expect(t?.kind == .notFinite)
    #expect(t?.columnName == "t_s")
  }

  @Test func timeMustIncreaseStrictly() {
    let equal = F.error(F.head + "0,1,2,3,4,5,6\n0,1,2,3,4,5,6\n")
    #expect(equal?.kind == .timeNotIncreasing)
    #expect(equal?.line == 5)
    #expect(equal?.column == 1)
    let back = F.error("# format: traction-recording/1\nload_n,t_s\n1,0.5\n1,0.6\n1,0.55\n")
    #expect(back?.kind == .timeNotIncreasing)
    #expect(back?.line == 5)
    #expect(back?.column == 2)
  }

  /// Nanoseconds since the epoch are not seconds since the first sample: named at the field.
  @Test func timeBeyondTheLimitIsRejected() {
    let e = F.error("# format: traction-recording/1\nt_s,load_n\n0,1\n1700000000000000000,2\n")
    #expect(e?.kind == .timeOutOfRange)
    #expect(e?.line == 4)
    #expect(e?.column == 1)
    #expect(e?.description.contains("nanoseconds") == true, "\(String(describing: e))")
    #expect(F.error("# format: traction-recording/1\nt_s,load_n\n-4e9,1\n")?.kind == .timeOutOfRange)
  }

  @Test func wrongFieldCountInTheMiddle() {
    let few = F.error(F.head + "0,1,2,3,4,5,6\n0.005,1,2,3\n0.01,1,2,3,4,5,6\n")
    #expect(few?.kind == .wrongFieldCount)
    #expect(few?.line == 5)
    let many = F.error(F.head + "0,1,2,3,4,5,6,7\n0.005,1,2,3,4,5,6\n")
    #expect(many?.kind == .wrongFieldCount)
    #expect(many?.line == 4)
    let manyLast = F.error(F.head + "0,1,2,3,4,5,6,7")
    #expect(manyLast?.kind == .wrongFieldCount)
  }

  @Test func seqMustBeAWholeNumber() {
    let e = F.error("# format: traction-recording/1\nt_s,load_n,seq\n0,1,2.5\n")
    #expect(e?.kind == .notANumber)
    #expect(e?.column == 3)
    #expect(e?.columnName == "seq")
  }

  /// A counter past Int64 is a whole number, only too large: the message says which.
  @Test func seqTooLargeIsNamedAsSuch() {
    let e = F.error("# format: traction-recording/1\nt_s,load_n,seq\n0,1,18446744073709551566\n")
    #expect(e?.kind == .notANumber)
    #expect(e?.column == 3)
    #expect(e?.description.contains("too large") == true, "\(String(describing: e))")
    #expect(
      F.error("# format: traction-recording/1\nt_s,load_n,seq\n0,1,-12x\n")?.description
        .contains("is not a whole number") == true)
  }

  /// A decimal comma splits a value in two and shifts the fields after it: the count is named,
  /// not the column the shifted text landed in.
  @Test func aCommaInsideAValueIsAFieldCountError() {
    // load_n "1,25" pushes "5.5"… into seq: before, "'25' … seq is not a whole number" was wrong.
    let e = F.error(
      "# format: traction-recording/1\nt_s,load_n,seq\n0,1.5,1\n0.1,1,25.5,2\n0.2,1.5,3\n")
    #expect(e?.kind == .wrongFieldCount)
    #expect(e?.line == 4)
    #expect(e?.description.contains("4 fields but the header has 3 columns") == true)
    let parsesAsNumbers = F.error("# format: traction-recording/1\nt_s,load_n,seq\n0.1,1,5,2\n")
    #expect(parsesAsNumbers?.kind == .wrongFieldCount)
  }

  /// Classic Mac line ends (CR alone) make one endless line; the error says so, whether the file
  /// fits the read buffer or not.
  @Test func carriageReturnOnlyLineEndsAreNamed() {
    let line = "0.000,1.0\r"
    for rows in [3, 10_000] {
      let text =
        "# format: traction-recording/1\r# rate_hz: 50\rt_s,load_n\r"
        + String(repeating: line, count: rows)
      let e = F.error(text)
      #expect(e?.line == 1, "\(rows) rows")
      #expect(e?.description.contains("carriage return (CR) alone") == true, "\(String(describing: e))")
    }
  }

  /// Thousands of ignored columns: every value still read, and the notices do not flood the
  /// output (five named, one for the rest).
  @Test func manyUnknownColumnsAreReadWithFewNotices() throws {
    let extra = 3000
    let names = (0..<extra).map { "x\($0)" }.joined(separator: ",")
    let values = String(repeating: ",7", count: extra)
    var text = "# format: traction-recording/1\nt_s,load_n,\(names)\n"
    for i in 0..<50 { text += "\(Double(i) * 0.1),\(i)\(values)\n" }
    let (r, s) = try F.readAll(text)
    #expect(s.count == 50)
    #expect(s.last?.loadN == 49)
    #expect(r.layout.unknownColumns.count == extra)
    #expect(r.notices.count == RecordingReader.unknownColumnNotices + 1)
    #expect(r.notices.allSatisfy { $0.kind == .unknownColumnIgnored })
    #expect(r.notices.last?.column == 3 + RecordingReader.unknownColumnNotices)
    #expect(r.notices.last?.message.contains("\(extra - RecordingReader.unknownColumnNotices) more") == true)
  }

  /// Many metadata keys are all kept, in order (each is appended once, after a set lookup).
  @Test func manyMetadataKeysAreKeptInOrder() throws {
    let n = 20_000
    var text = "# format: traction-recording/1\n"
    for i in 0..<n { text += "# k\(i): v\(i)\n" }
    text += "t_s,load_n\n0,1\n"
    let r = try F.readAll(text).0
    #expect(r.metadata.entries.count == n)
    #expect(r.metadata.entries.last?.key == "k\(n - 1)")
    #expect(r.metadata["k12345"] == "v12345")
    let dup = F.error("# format: traction-recording/1\n# a: 1\n# b: 2\n# a: 3\nt_s,load_n\n")
    #expect(dup?.kind == .badMetadata)
    #expect(dup?.line == 4)
  }

  @Test func invalidUTF8IsReportedWithLine() {
    var bytes = Array("# format: traction-recording/1\nt_s,load_n\n0,1\n0.1,".utf8)
    bytes += [0xFF, 0xFE]
    bytes += Array("\n".utf8)
    do {
      var r = try RecordingReader(bytes: bytes, name: "u.csv")
      while try r.next() != nil {}
      Issue.record("invalid UTF-8 accepted")
    } catch {
      #expect(error.kind == .invalidUTF8)
      #expect(error.line == 4)
      #expect(error.column == 2)
    }
    var meta = Array("# format: traction-recording/1\n# note: ".utf8)
    meta += [0xC3, 0x28]
    meta += Array("\nt_s,load_n\n".utf8)
    do {
      _ = try RecordingReader(bytes: meta, name: "u.csv")
      Issue.record("invalid UTF-8 accepted in metadata")
    } catch {
      #expect(error.kind == .invalidUTF8)
      #expect(error.line == 2)
    }
    // Valid non-ASCII text in a comment or metadata is fine.
    #expect(
      (try? F.readAll(
        "# format: traction-recording/1\n# note: Übung für Rücken\nt_s,load_n\n0,1\n# grün\n0.1,2\n"
      ))?
      .1.count == 2)
  }

  @Test func lineLongerThanBufferIsAnError() {
    let long = String(repeating: "1", count: 300)
    let e = F.error("# format: traction-recording/1\nt_s,load_n\n0,\(long)\n", bufferSize: 128)
    #expect(e?.kind == .lineTooLong)
    #expect(e?.line == 3)
  }

  @Test func afterAnErrorNextReturnsNil() throws {
    var r = try RecordingReader(
      text: F.head + "0,1,2,3,4,5,6\nx,1,2,3,4,5,6\n0.1,1,2,3,4,5,6\n", name: "a.csv")
    #expect(try r.next() != nil)
    #expect(throws: RecordingError.self) { _ = try r.next() }
    #expect(try r.next() == nil)
  }

  // MARK: Chunking

  @Test func tinyBuffersGiveTheSameSamples() throws {
    var rng = TestRNG(seed: 42)
    var text =
      "# format: traction-recording/1\n# rate_hz: 100\nt_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z,load_n\n"
    for i in 0..<300 {
      if rng.next() % 17 == 0 { text += "\n# comment \(i)\n" }
      text += "\(Double(i) / 100)"
      for _ in 0..<7 { text += ",\(Double(Int64(rng.next() % 2_000_001) - 1_000_000) / 1e4)" }
      text += "\n"
    }
    let reference = try F.readAll(text).1
    #expect(reference.count == 300)
    for size in [80, 81, 97, 128, 1000] {
      #expect(try F.readAll(text, bufferSize: size).1 == reference, "buffer \(size)")
    }
  }
}
