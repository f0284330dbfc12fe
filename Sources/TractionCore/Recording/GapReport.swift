/// A hole in `t_s`: the time step before a sample was more than 1.5 nominal periods.
public struct TimeGap: Sendable, Equatable {
  /// Time of the last sample before the gap, s.
  public var after: Double
  /// Time between that sample and the next, s.
  public var duration: Double
  /// Estimated samples lost: round(duration / period) − 1, at least 1.
  public var missingSamples: Int
  /// Line of the first sample after the gap.
  public var line: Int
}

/// A break in the driver's `seq` counter: the sample's `seq` is not the previous one plus one.
public struct SeqJump: Sendable, Equatable {
  public var from: Int64
  public var to: Int64
  /// `to − from − 1`; zero or negative means the counter went back (a driver restart).
  public var missing: Int64
  /// Line of the sample with `to`.
  public var line: Int
}

/// The gaps a reader saw. Counts and totals cover the whole recording; only the first
/// `keptLimit` gaps and jumps are kept in detail, so memory stays bounded.
public struct GapReport: Sendable, Equatable {
  public static let keptLimit = 100

  /// Number of time gaps.
  public internal(set) var count = 0
  /// Sum over gaps of (duration − nominal period): the time with no samples, s.
  public internal(set) var totalMissingSeconds = 0.0
  /// Sum of the gaps' missing-sample estimates.
  public internal(set) var totalMissingSamples = 0
  /// The first `keptLimit` gaps.
  public internal(set) var gaps: [TimeGap] = []
  /// The longest gap anywhere in the recording (the first, of equals).
  public internal(set) var longest: TimeGap?
  /// Number of `seq` breaks (only when the recording has `seq`).
  public internal(set) var seqJumpCount = 0
  /// Sum of positive `missing` over all jumps.
  public internal(set) var seqMissingSamples: Int64 = 0
  /// The first `keptLimit` jumps.
  public internal(set) var seqJumps: [SeqJump] = []
  /// The period used to judge gaps: 1 / rate_hz, or the median step of the first samples.
  public internal(set) var nominalPeriod: Double?

  public var isEmpty: Bool { count == 0 && seqJumpCount == 0 }

  public init() {}
}

/// Finds gaps sample by sample. Without `rate_hz` the period is the (lower) median of the first
/// `probe` steps; those steps are held in fixed storage and judged once the period is known.
struct GapTracker {
  static let probe = 32
  private(set) var report = GapReport()
  private var prevT: Double?
  private var prevSeq: Int64?
  private var period: Double?
  // Steps waiting for the period estimate: fixed capacity, allocated once.
  private var pendingAfter: [Double] = []
  private var pendingDt: [Double] = []
  private var pendingLine: [Int] = []

  init(rateHz: Double?) {
    if let r = rateHz, r > 0, r.isFinite {
      period = 1 / r
      report.nominalPeriod = period
    } else {
      pendingAfter.reserveCapacity(Self.probe)
      pendingDt.reserveCapacity(Self.probe)
      pendingLine.reserveCapacity(Self.probe)
    }
  }

  mutating func add(t: Double, seq: Int64?, line: Int) {
    if let prevT {
      let dt = t - prevT
      if let period {
        judge(after: prevT, dt: dt, line: line, period: period)
      } else {
        pendingAfter.append(prevT)
        pendingDt.append(dt)
        pendingLine.append(line)
        if pendingDt.count == Self.probe { settle() }
      }
    }
    prevT = t
    if let seq {
      if let prevSeq, seq != prevSeq &+ 1 {
        let missing = seq &- prevSeq &- 1
        report.seqJumpCount += 1
        if missing > 0 { report.seqMissingSamples &+= missing }
        if report.seqJumps.count < GapReport.keptLimit {
          report.seqJumps.append(SeqJump(from: prevSeq, to: seq, missing: missing, line: line))
        }
      }
      prevSeq = seq
    }
  }

  /// Estimates the period from the pending steps and judges them. Called when the probe is full
  /// and at the end of the input.
  mutating func settle() {
    guard period == nil, !pendingDt.isEmpty else { return }
    let sorted = pendingDt.sorted()
    let p = sorted[(sorted.count - 1) / 2]
    period = p
    report.nominalPeriod = p
    for k in pendingDt.indices {
      judge(after: pendingAfter[k], dt: pendingDt[k], line: pendingLine[k], period: p)
    }
    pendingAfter = []
    pendingDt = []
    pendingLine = []
  }

  @inline(__always)
  private mutating func judge(after: Double, dt: Double, line: Int, period: Double) {
    guard dt > 1.5 * period else { return }
    let missing = max(1, Int(min(dt / period, 1e15).rounded()) - 1)
    report.count += 1
    report.totalMissingSeconds += dt - period
    // Saturating: a rate_hz far above the real one makes every step a gap of many samples.
    let (sum, overflow) = report.totalMissingSamples.addingReportingOverflow(missing)
    report.totalMissingSamples = overflow ? Int.max : sum
    let gap = TimeGap(after: after, duration: dt, missingSamples: missing, line: line)
    if report.gaps.count < GapReport.keptLimit { report.gaps.append(gap) }
    if dt > report.longest?.duration ?? 0 { report.longest = gap }
  }
}
