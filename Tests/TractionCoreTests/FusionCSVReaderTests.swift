import Foundation
import Testing

@testable import TractionCore

@Suite struct FusionCSVReaderTests {
  static let header = "t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z,gt_qw,gt_qx,gt_qy,gt_qz,movement\n"

  func write(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("fusion-csv-\(UUID().uuidString).csv").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func readsValuesNaNTruthAndTheVertical() throws {
    // q = rotation of +90° about x: the sensor's y axis points up, so up = (0, 1, 0).
    let h = 0.5.squareRoot()
    let path = try write(
      Self.header + "0.000000,0.1,0.2,9.8,0.01,-0.02,0.03,1,0,0,0,0\n"
        + "0.003500,1e-1,-2.5E+0,9.7,0,0,0,\(h),\(h),0,0,1\n"
        + "0.007000,0,0,9.8,0,0,0,nan,nan,nan,nan,1\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let trial = try BROADTrial.load(path: path)
    #expect(trial.count == 3)
    #expect(trial.imu.acc[1] == SIMD3(0.1, -2.5, 9.7))
    #expect(trial.imu.gyr[0] == SIMD3(0.01, -0.02, 0.03))
    #expect(trial.movement == [false, true, true])
    #expect(trial.groundTruthUp[0] == SIMD3(0, 0, 1))
    let up1 = try #require(trial.groundTruthUp[1])
    #expect(norm(up1 - SIMD3(0, 1, 0)) < 1e-12)
    #expect(trial.groundTruthUp[2] == nil)
    #expect(abs(trial.imu.dt - 0.0035) < 1e-12)
  }

  @Test func namesFileLineAndColumnOfABadNumber() throws {
    let path = try write(
      Self.header + "0,0,0,9.8,0,0,0,1,0,0,0,0\n" + "0.0035,0,x1,9.8,0,0,0,1,0,0,0,0\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(throws: NumericCSVError.badNumber(path: path, line: 3, columnIndex: 3, column: "acc_y", text: "x1")) {
      try BROADTrial.load(path: path)
    }
  }

  @Test func rejectsNaNInIMUColumnsAndWrongFieldCounts() throws {
    let nanPath = try write(Self.header + "0,0,0,9.8,nan,0,0,1,0,0,0,0\n")
    defer { try? FileManager.default.removeItem(atPath: nanPath) }
    #expect(
      throws: NumericCSVError.notFinite(path: nanPath, line: 2, columnIndex: 5, column: "gyr_x", text: "nan")
    ) {
      try BROADTrial.load(path: nanPath)
    }
    let shortPath = try write(Self.header + "0,0,0,9.8,0,0,0,1,0,0\n0,0,0,9.8,0,0,0,1,0,0,0,0\n")
    defer { try? FileManager.default.removeItem(atPath: shortPath) }
    #expect(
      throws: NumericCSVError.wrongFieldCount(path: shortPath, line: 2, expected: 12, found: 10)
    ) { try BROADTrial.load(path: shortPath) }
  }

  /// `inf` (or an overflow) is not a sample value anywhere, not even in the ground-truth columns
  /// that may be `nan`; the error names the file, line and column like the recording reader's.
  @Test func rejectsInfinityInEveryColumn() throws {
    for (row, index, column, text) in [
      ("0,0,0,inf,0,0,0,1,0,0,0,0", 4, "acc_z", "inf"),
      ("0,0,0,9.8,-Infinity,0,0,1,0,0,0,0", 5, "gyr_x", "-Infinity"),
      ("0,0,0,9.8,0,0,1e999,1,0,0,0,0", 7, "gyr_z", "1e999"),
      ("0,0,0,9.8,0,0,0,inf,0,0,0,0", 8, "gt_qw", "inf"),
    ] {
      let path = try write(Self.header + "0,0,0,9.8,0,0,0,1,0,0,0,0\n" + row + "\n")
      defer { try? FileManager.default.removeItem(atPath: path) }
      let expected = NumericCSVError.notFinite(path: path, line: 3, columnIndex: index, column: column, text: text)
      #expect(throws: expected) { try BROADTrial.load(path: path) }
      #expect(expected.description == "\(path):3: column \(index) (\(column)): '\(text)' is not a finite number")
    }
    let recording = try write(
      "# format: traction-recording/1\nt_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0,0,0,9.8,0,0,0\n0.01,0,inf,9.8,0,0,0\n"
    )
    defer { try? FileManager.default.removeItem(atPath: recording) }
    #expect(throws: NumericCSVError.notFinite(path: recording, line: 4, columnIndex: 3, column: "acc_y", text: "inf")) {
      try IMUSeries.load(path: recording)
    }
  }

  @Test func missingColumnMissingFileAndEmptyFile() throws {
    let path = try write("t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y\n0,0,0,9.8,0,0\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    // The error names the header's line, after any metadata lines.
    let error = try #require(throws: NumericCSVError.self) { try IMUSeries.load(path: path) }
    #expect(error.description == "\(path):1: missing column 'gyr_z' in the header")
    let late = try write("# format: traction-recording/1\n# rate_hz: 100\nt_s,acc_x\n0,0\n")
    defer { try? FileManager.default.removeItem(atPath: late) }
    let lateError = try #require(throws: NumericCSVError.self) { try IMUSeries.load(path: late) }
    #expect(lateError.description.hasPrefix("\(late):3: missing column 'acc_y'"), "\(lateError)")
    #expect(throws: NumericCSVError.self) { try IMUSeries.load(path: "/nonexistent/x.csv") }
    let empty = try write("# format: traction-recording/1\n")
    defer { try? FileManager.default.removeItem(atPath: empty) }
    #expect(throws: NumericCSVError.noHeader(path: empty)) { try IMUSeries.load(path: empty) }
  }

  /// A UTF-8 byte-order mark (as some editors save a CSV) is not part of the first column's name.
  @Test func aByteOrderMarkIsIgnored() throws {
    let path = try write("\u{FEFF}" + Self.header + "0,0,0,9.8,0,0,0,1,0,0,0,1\n0.0035,0,0,9.8,0,0,0,1,0,0,0,1\n")
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try BROADTrial.load(path: path).count == 2)
    #expect(try IMUSeries.load(path: path).count == 2)
  }

  /// `t_s` must increase, as in a recording: a time that goes back (or repeats) is an error with
  /// file, line and column, never a mean period computed across it.
  @Test func timeThatDoesNotIncreaseIsAnErrorWithLineAndColumn() throws {
    var text = Self.header
    for (k, t) in ["0", "0.0035", "-1", "1e300"].enumerated() { text += "\(t),0,0,9.8,0,0,0,1,0,0,0,\(k % 2)\n" }
    let path = try write(text)
    defer { try? FileManager.default.removeItem(atPath: path) }
    for load in [{ _ = try BROADTrial.load(path: path) }, { _ = try IMUSeries.load(path: path) }] {
      let error = try #require(throws: NumericCSVError.self) { try load() }
      #expect(error.description == "\(path):4: column 1 (t_s): time -1.0 is not after the previous sample's 0.0035")
    }
    let recording = try write(
      "# format: traction-recording/1\ngyr_x,gyr_y,gyr_z,t_s,acc_x,acc_y,acc_z\n0,0,0,1.0,0,0,9.8\n0,0,0,1.0,0,0,9.8\n")
    defer { try? FileManager.default.removeItem(atPath: recording) }
    let error = try #require(throws: NumericCSVError.self) { try IMUSeries.load(path: recording) }
    #expect(error.description.hasPrefix("\(recording):4: column 4 (t_s): time 1.0 is not after"), "\(error)")
  }

  /// A traction recording: metadata lines, columns in another order, a power-loss last line.
  @Test func readsARecordingsIMUColumns() throws {
    let path = try write(
      "# format: traction-recording/1\n# rate_hz: 200\n"
        + "gyr_x,gyr_y,gyr_z,t_s,acc_x,acc_y,acc_z,load_n\r\n"
        + "0.1,0.2,0.3,0.000,1,2,3,40\r\n\n# note\n"
        + "0.4,0.5,0.6,0.005,4,5,6,41\n"
        + "0.7,0.8,0.9,0.010,7,8,9,41\n"
        + "0.7,0.8,0.9,0.0")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let series = try IMUSeries.load(path: path)
    #expect(series.count == 3)
    #expect(series.gyr[1] == SIMD3(0.4, 0.5, 0.6))
    #expect(series.acc[2] == SIMD3(7, 8, 9))
    #expect(abs(series.dt - 0.005) < 1e-12)
    #expect(series.droppedPartialLastLine)
  }

  /// The fast decimal path rounds exactly like the standard library's parser.
  @Test func decimalParserMatchesTheStandardLibrary() {
    var rng = SeededRNG(seed: 3)
    for _ in 0..<5000 {
      let magnitude = Foundation.pow(10, Double.random(in: -8...8, using: &rng))
      let x = Double.random(in: -1...1, using: &rng) * magnitude
      let digits = Int.random(in: 1...17, using: &rng)
      for text in [
        String(format: "%.\(digits)g", x), String(format: "%.\(digits % 10)f", x), "\(x)",
      ] {
        let bytes = Array(text.utf8)
        let parsed = bytes.withUnsafeBufferPointer { parseDecimal($0, 0, $0.count) }
        #expect(parsed == Double(text), "\(text)")
      }
    }
    for bad in ["", "-", "1.2.3", "e5", "1e", "abc", "1,0"] {
      let bytes = Array(bad.utf8)
      #expect(bytes.withUnsafeBufferPointer { parseDecimal($0, 0, $0.count) } == nil, "\(bad)")
    }
  }
}
