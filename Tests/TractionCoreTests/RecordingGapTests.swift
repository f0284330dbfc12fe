import Testing

@testable import TractionCore

@Suite struct RecordingGapTests {
  typealias F = RecordingFixtures

  static func loadText(times: [Double], rate: Double?, seqs: [Int64]? = nil) -> String {
    var s = "# format: traction-recording/1\n"
    if let rate { s += "# rate_hz: \(rate)\n" }
    s += seqs == nil ? "t_s,load_n\n" : "t_s,load_n,seq\n"
    for (i, t) in times.enumerated() {
      s += "\(t),1"
      if let seqs { s += ",\(seqs[i])" }
      s += "\n"
    }
    return s
  }

  @Test func gapWithNominalRate() throws {
    // 200 Hz; samples 4, 5, 6 (t = 0.020 … 0.030) are missing.
    let times = [0, 1, 2, 3, 7, 8, 9].map { Double($0) * 0.005 }
    let r = try F.readAll(Self.loadText(times: times, rate: 200)).0
    let g = r.gaps
    #expect(g.count == 1)
    #expect(g.nominalPeriod == 0.005)
    #expect(g.gaps.first?.missingSamples == 3)
    #expect(g.totalMissingSamples == 3)
    #expect(abs(g.totalMissingSeconds - 0.015) < 1e-12)
    #expect(g.gaps.first?.after == 0.015)
    #expect(abs((g.gaps.first?.duration ?? 0) - 0.02) < 1e-12)
    #expect(g.gaps.first?.line == 8)  // 3 head lines + 4 samples, then the sample after the gap
  }

  @Test func smallJitterIsNotAGap() throws {
    // Steps of up to 1.4 periods are jitter, 1.6 is a gap.
    let times = [0, 0.01, 0.024, 0.034, 0.05]
    let g = try F.readAll(Self.loadText(times: times, rate: 100)).0.gaps
    #expect(g.count == 1)
    #expect(g.gaps.first?.after == 0.034)
    #expect(g.gaps.first?.missingSamples == 1)
  }

  @Test func periodEstimatedWithoutRate() throws {
    // 50 Hz with two gaps, one inside the first 32 steps (judged after the estimate).
    var times: [Double] = []
    for i in 0..<200 where i != 5 && !(120...123).contains(i) { times.append(Double(i) * 0.02) }
    let g = try F.readAll(Self.loadText(times: times, rate: nil)).0.gaps
    #expect(g.nominalPeriod.map { abs($0 - 0.02) < 1e-9 } == true)
    #expect(g.count == 2)
    #expect(g.gaps.map(\.missingSamples) == [1, 4])
    #expect(g.totalMissingSamples == 5)
  }

  /// A rate far above the real one (the reader refuses rate_hz over 100 kHz, but the tracker does
  /// not rely on it) makes every step a gap of ~1e15 samples: the total saturates, no trap.
  @Test func absurdRateSaturatesTheMissingCount() {
    var tracker = GapTracker(rateHz: 1e300)
    for k in 0..<20_000 { tracker.add(t: Double(k) * 0.01, seq: nil, line: k + 3) }
    #expect(tracker.report.count == 19_999)
    #expect(tracker.report.totalMissingSamples == Int.max)
  }

  @Test func periodEstimatedFromFewSamples() throws {
    let g = try F.readAll(Self.loadText(times: [0, 0.1, 0.2, 0.5], rate: nil)).0.gaps
    #expect(g.nominalPeriod.map { abs($0 - 0.1) < 1e-9 } == true)
    #expect(g.count == 1)
    #expect(g.gaps.first?.missingSamples == 2)
  }

  @Test func seqJumpsAreReported() throws {
    let times = (0..<6).map { Double($0) * 0.01 }
    let seqs: [Int64] = [10, 11, 14, 15, 3, 4]  // jump of 2 missing, then a counter reset
    let g = try F.readAll(Self.loadText(times: times, rate: 100, seqs: seqs)).0.gaps
    #expect(g.count == 0)
    #expect(g.seqJumpCount == 2)
    #expect(g.seqMissingSamples == 2)
    #expect(g.seqJumps.map(\.missing) == [2, 3 - 15 - 1])
    #expect(g.seqJumps.first?.from == 11)
    #expect(g.seqJumps.first?.to == 14)
    #expect(g.seqJumps.first?.line == 6)
  }

  @Test func keptGapsAreBoundedButCountsAreNot() throws {
    var times: [Double] = []
    var t = 0.0
    for i in 0..<1000 {
      times.append(t)
      t += i % 2 == 0 ? 0.01 : 0.03  // every other step is a gap of 2 missing samples
    }
    let g = try F.readAll(Self.loadText(times: times, rate: 100)).0.gaps
    #expect(g.count == 499)
    #expect(g.gaps.count == GapReport.keptLimit)
    #expect(g.totalMissingSamples == 998)
  }
}
