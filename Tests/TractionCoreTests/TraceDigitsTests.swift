import Testing

@testable import TractionCore

/// `ThetaTraceWriter` with `.asNeeded`: one row per point, the times read back exactly, 6 decimals
/// whenever that is the time.
@Suite struct TraceDigitsTests {
  func roundTrip(_ times: [Double]) throws -> (text: String, read: [Double]) {
    let w = try ThetaTraceWriter(memoryNamed: "t.theta.csv", timeDigits: .asNeeded)
    for t in times { try w.write(t: t, thetaDeg: 1.5) }
    let text = w.writtenText
    var r = try TruthReader(text: text, name: "t.theta.csv")
    var read: [Double] = []
    while let p = try r.next() { read.append(p.t) }
    return (text, read)
  }

  @Test func subMicrosecondStepsKeepOneRowPerPoint() throws {
    let times = (0..<50).map { 1 + Double($0) * 5e-7 }
    let (text, read) = try roundTrip(times)
    #expect(read == times)
    #expect(text.contains("\n1.000000,1.5000\n1.0000005,1.5000\n1.000001,1.5000\n"), "\(text.prefix(80))")
  }

  @Test func sixDecimalTimesAreWrittenAsBefore() throws {
    let (text, read) = try roundTrip([0, 0.01, 0.02, 1234.567891])
    #expect(text == "t_s,theta_deg\n0.000000,1.5000\n0.010000,1.5000\n0.020000,1.5000\n1234.567891,1.5000\n")
    #expect(read == [0, 0.01, 0.02, 1234.567891])
  }

  @Test func tinyAndNonIncreasingTimes() throws {
    let (_, read) = try roundTrip([0, 1e-9, 2e-9, 0.3])
    #expect(read == [0, 1e-9, 2e-9, 0.3])
    let w = try ThetaTraceWriter(memoryNamed: "t.theta.csv", timeDigits: .asNeeded)
    try w.write(t: 1, thetaDeg: 0)
    #expect(throws: RecordingError.self) { try w.write(t: 1, thetaDeg: 0) }
    // The default keeps the 1 µs grid of the recording writer.
    let micro = try ThetaTraceWriter(memoryNamed: "t.truth.csv")
    try micro.write(t: 1, thetaDeg: 0)
    #expect(throws: RecordingError.self) { try micro.write(t: 1.0000004, thetaDeg: 0) }
  }
}
