import Foundation
import Testing

@testable import TractionCore

@Suite struct RecordingWriterTests {
  static func imuSample(_ t: Double, seq: Int64? = nil) -> Sample {
    Sample(
      t: t,
      imu: IMUReading(acc: SIMD3(0.1312, -0.0417, 9.7921), gyr: SIMD3(0.00122, -0.00041, 0.00007)),
      seq: seq)
  }

  @Test func writesSpecExampleExactly() throws {
    var md = RecordingMetadata()
    md.rateHz = 200
    md.sensor = "mpu6050"
    md.placement = "upper-back"
    md.started = "2026-11-21T09:30:00Z"
    let w = try RecordingWriter(
      memoryNamed: "mem.csv", metadata: md, layout: RecordingLayout(imu: true))
    try w.write(
      Sample(
        t: 0,
        imu: IMUReading(acc: SIMD3(0.1312, -0.0417, 9.7921), gyr: SIMD3(0.00122, -0.00041, 0.00007))
      ))
    try w.write(
      Sample(
        t: 0.005,
        imu: IMUReading(acc: SIMD3(0.129, -0.0433, 9.7968), gyr: SIMD3(0.00109, -0.00052, 0.00011)))
    )
    // The spec's example, with the documented decimals (acc 5, gyr 6).
    let expected = """
      # format: traction-recording/1
      # rate_hz: 200
      # sensor: mpu6050
      # placement: upper-back
      # started: 2026-11-21T09:30:00Z
      t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z
      0.000000,0.13120,-0.04170,9.79210,0.001220,-0.000410,0.000070
      0.005000,0.12900,-0.04330,9.79680,0.001090,-0.000520,0.000110

      """
    #expect(w.writtenText == expected)
  }

  @Test func formatsFixedDecimals() {
    func f(_ v: Double, _ d: Int) -> String {
      var out: [UInt8] = []
      FixedFormatter.append(v, decimals: d, to: &out)
      return String(decoding: out, as: UTF8.self)
    }
    #expect(f(0, 3) == "0.000")
    #expect(f(-0.0004, 3) == "0.000")
    #expect(f(-0.0005, 3) == "-0.001")
    #expect(f(1234.5678, 2) == "1234.57")
    #expect(f(-9.81, 5) == "-9.81000")
    #expect(f(42, 0) == "42")
    #expect(f(1e20, 3) == "1e+20")
  }
}

@Suite struct RecordingWriterErrorTests {
  typealias F = RecordingFixtures

  static func writer(_ layout: RecordingLayout = RecordingLayout(imu: true, load: true)) throws
    -> RecordingWriter
  {
    try RecordingWriter(
      memoryNamed: "w.csv", metadata: RecordingMetadata(rateHz: 100), layout: layout)
  }

  @Test func nanIsNeverWritten() throws {
    let w = try Self.writer()
    try w.write(Sample(t: 0, imu: F.imu((0, 0, 9.8), (0, 0, 0)), loadN: 1))
    let before = w.writtenText
    do {
      try w.write(Sample(t: 0.01, imu: F.imu((0, .nan, 9.8), (0, 0, 0)), loadN: 1))
      Issue.record("nan written")
    } catch {
      #expect(error.kind == .invalidSample)
      #expect(error.column == 3)
      #expect(error.columnName == "acc_y")
    }
    do {
      try w.write(Sample(t: 0.01, imu: F.imu((0, 0, 9.8), (0, 0, 0)), loadN: .infinity))
      Issue.record("inf written")
    } catch {
      #expect(error.columnName == "load_n")
    }
    // Nothing half-written; the writer goes on.
    #expect(w.writtenText == before)
    try w.write(Sample(t: 0.01, imu: F.imu((0, 0, 9.8), (0, 0, 0)), loadN: 2))
    #expect(try F.readAll(w.writtenText).1.count == 2)
  }

  @Test func missingValuesForTheLayoutThrow() throws {
    let w = try Self.writer()
    #expect(throws: RecordingError.self) { try w.write(Sample(t: 0, loadN: 1)) }
    #expect(throws: RecordingError.self) {
      try w.write(Sample(t: 0, imu: F.imu((0, 0, 9.8), (0, 0, 0))))
    }
    let s = try Self.writer(RecordingLayout(imu: false, load: true, seq: true))
    #expect(throws: RecordingError.self) { try s.write(Sample(t: 0, loadN: 1)) }
    #expect(s.sampleCount == 0)
  }

  @Test func timeMustIncreaseAtWrittenPrecision() throws {
    let w = try Self.writer(RecordingLayout(imu: false, load: true))
    try w.write(Sample(t: 1, loadN: 1))
    do {
      try w.write(Sample(t: 1.0000004, loadN: 1))  // would print as 1.000000 again
      Issue.record("equal written time accepted")
    } catch {
      #expect(error.kind == .timeNotIncreasing)
    }
    #expect(throws: RecordingError.self) { try w.write(Sample(t: 0.5, loadN: 1)) }
    try w.write(Sample(t: 1.000001, loadN: 1))
  }

  @Test func invalidLayoutsAndMetadataAreRefused() {
    func kind(_ make: () throws(RecordingError) -> RecordingWriter) -> RecordingError.Kind? {
      do {
        _ = try make()
        return nil
      } catch { return error.kind }
    }
    #expect(
      kind { () throws(RecordingError) in
        try RecordingWriter(
          memoryNamed: "x", metadata: .init(), layout: RecordingLayout(imu: false))
      } == .missingColumn)
    #expect(
      kind { () throws(RecordingError) in
        try RecordingWriter(
          memoryNamed: "x", metadata: .init(),
          layout: RecordingLayout(columns: ["t_s", "load_n", "temp_c"]))
      } == .unknownColumn)
    var md = RecordingMetadata()
    md.note = "two\nlines"
    #expect(
      kind { () throws(RecordingError) in
        try RecordingWriter(memoryNamed: "x", metadata: md, layout: RecordingLayout())
      } == .badMetadata)
    #expect(
      kind { () throws(RecordingError) in
        try RecordingWriter(
          memoryNamed: "x",
          metadata: RecordingMetadata(entries: [.init(key: "bad key", value: "1")]),
          layout: RecordingLayout())
      } == .badMetadata)
    #expect(
      kind { () throws(RecordingError) in
        try RecordingWriter(
          memoryNamed: "x",
          metadata: RecordingMetadata(entries: [.init(key: "rate_hz", value: "-3")]),
          layout: RecordingLayout())
      } == .badMetadata)
  }

  @Test func cannotCreateFileNamesPath() {
    do {
      _ = try RecordingWriter(
        path: "/nonexistent-dir-traction/x.csv", metadata: .init(), layout: RecordingLayout())
      Issue.record("created a file in a missing directory")
    } catch {
      #expect(error.kind == .writeFailed)
      #expect(error.file == "/nonexistent-dir-traction/x.csv")
      #expect(error.reason.contains("No such file or directory"))
    }
  }

  @Test func existingFileIsRefusedUnlessReplacingIsAsked() throws {
    let dir = try F.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("kept.csv").path
    try "an earlier session\n".write(toFile: path, atomically: false, encoding: .utf8)
    do {
      _ = try RecordingWriter(path: path, metadata: .init(), layout: RecordingLayout())
      Issue.record("an existing recording was opened for writing")
    } catch {
      #expect(error.kind == .alreadyExists)
      #expect(error.file == path)
    }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "an earlier session\n")
    let w = try RecordingWriter(
      path: path, metadata: .init(), layout: RecordingLayout(), replaceExisting: true)
    try w.close()
    #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("# format: traction-recording/"))
  }

  @Test func writesToDiskFlushingEverySecondOfSamples() throws {
    let dir = try F.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("s.csv").path
    let w = try RecordingWriter(
      path: path, metadata: RecordingMetadata(rateHz: 100),
      layout: RecordingLayout(imu: false, load: true))
    func onDisk() throws -> [Sample] {
      try F.readAll(
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
      ).1
    }
    #expect(try onDisk().isEmpty)  // header already there, no samples
    for i in 0..<50 { try w.write(Sample(t: Double(i) / 100, loadN: Double(i))) }
    #expect(try onDisk().isEmpty)  // half a second: still buffered
    for i in 50..<130 { try w.write(Sample(t: Double(i) / 100, loadN: Double(i))) }
    // The sample at t = 1.00 triggered a flush: everything up to it is on disk before close.
    let mid = try onDisk()
    #expect(mid.count >= 101 && mid.count < 130)
    try w.close()
    #expect(try onDisk().count == 130)
    #expect(throws: RecordingError.self) { try w.write(Sample(t: 5, loadN: 1)) }
    var r = try RecordingReader(path: path)
    var n = 0
    while try r.next() != nil { n += 1 }
    #expect(n == 130)
    #expect(r.metadata.rateHz == 100)
  }
}

@Suite struct RecordingMetadataTests {
  @Test func typedAccessorsReadAndWriteTheKnownKeys() throws {
    var md = RecordingMetadata(
      rateHz: 200, sensor: "mpu6050", placement: "sacrum", started: "2026-11-21T09:30:00Z",
      accelRangeG: 4, gyroRangeDps: 500, profile: "default", note: "first try")
    #expect(
      md.entries.map(\.key) == [
        "rate_hz", "sensor", "placement", "started", "accel_range_g", "gyro_range_dps", "profile",
        "note",
      ])
    #expect(md["accel_range_g"] == "4")
    md.rateHz = 99.5
    md.note = nil
    md["extra"] = "kept"
    #expect(md["rate_hz"] == "99.5")
    #expect(md.entries.count == 8)
    let w = try RecordingWriter(
      memoryNamed: "m.csv", metadata: md, layout: RecordingLayout(imu: false, load: true))
    let r = try RecordingReader(text: w.writtenText, name: "m.csv")
    #expect(r.metadata == md)
    #expect(r.metadata.rateHz == 99.5)
    #expect(r.metadata.accelRangeG == 4)
    #expect(r.metadata.gyroRangeDps == 500)
    #expect(r.metadata.profile == "default")
    #expect(r.metadata.placement == "sacrum")
    #expect(r.metadata.note == nil)
  }

  @Test func syncOnFlushWritesAndReadsBack() throws {
    let dir = try RecordingFixtures.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("sync.csv").path
    let w = try RecordingWriter(
      path: path, metadata: RecordingMetadata(rateHz: 10),
      layout: RecordingLayout(imu: false, load: true),
      flushInterval: 0.2, syncOnFlush: true)
    for i in 0..<30 { try w.write(Sample(t: Double(i) / 10, loadN: Double(i))) }
    try w.flush()
    var r = try RecordingReader(path: path)
    var n = 0
    while try r.next() != nil { n += 1 }
    #expect(n == 30)
    try w.close()
    try w.close()  // harmless
  }
}
