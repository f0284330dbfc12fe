/// What the pipeline says about one sample.
public struct SampleOutput: Sendable, Equatable {
  public var t: Double
  /// Extension angle (degrees) of the upper back; nil until θ = 0 is known (or without an IMU).
  public var thetaDeg: Double?
  /// Upper-back θ minus sacrum θ (degrees), with a second IMU once both are ready.
  public var lumbarDeg: Double?
  /// Elbow force above the lying baseline (N), with a load cell once the baseline is known.
  public var loadAboveBaselineN: Double?
  /// The left–right axis is known (before that θ is the unsigned angle from the reference).
  public var hasAxis: Bool
  /// This sample came after a gap in time.
  public var afterGap: Bool
  /// The signal the session's detector runs on (fixed by its first sample).
  public var mode: DetectionMode = .none
  /// Events that became certain at this sample.
  public var events: EventBatch

  public init(
    t: Double, thetaDeg: Double? = nil, lumbarDeg: Double? = nil, loadAboveBaselineN: Double? = nil,
    hasAxis: Bool = false, afterGap: Bool = false, events: EventBatch = EventBatch()
  ) {
    self.t = t
    self.thetaDeg = thetaDeg
    self.lumbarDeg = lumbarDeg
    self.loadAboveBaselineN = loadAboveBaselineN
    self.hasAxis = hasAxis
    self.afterGap = afterGap
    self.events = events
  }
}

/// Which signal the detector ran on.
public enum DetectionMode: String, Sendable, Equatable, Codable {
  /// θ from the upper-back IMU (the load cell, if any, gives the traction drive).
  case imu
  /// The elbow force alone.
  case load
  /// Nothing usable was seen.
  case none
}

/// Warnings about how much to trust a session's results.
public enum SessionWarning: String, Sendable, Equatable, Codable {
  /// The recording did not start with 3 s of lying still: θ = 0 came from its first samples.
  case referenceFromFirstSamples = "reference_from_first_samples"
  /// The left–right axis was never learned (no rise): θ is the unsigned angle from the reference.
  case axisNotLearned = "axis_not_learned"
  /// The sacrum IMU's reference came from its first samples.
  case sacrumReferenceFromFirstSamples = "sacrum_reference_from_first_samples"
  /// The sacrum barely tilted while the trunk was raised: its axis, and so the sign of its angle,
  /// was not learned; the lumbar angle assumes an anterior pelvic tilt.
  case sacrumAxisNotLearned = "sacrum_axis_not_learned"
  /// A gap longer than the detector bridges split the recording.
  case longGap = "long_gap"
  /// The signal was lost for 2–5 s and bridged: the reps and holds across it are inferred from
  /// the signal either side.
  case gapBridged = "gap_bridged"
  /// A rep was still running when the recording ended.
  case repCutShort = "rep_cut_short"
  /// The accelerometer never read close to 1 g (a dead, unpowered or misconfigured sensor):
  /// θ was never defined, so nothing was detected.
  case accelerometerImplausible = "accelerometer_implausible"
}

/// The session's results, as `replay --json` prints them: the spec's fields (reps, holds,
/// breath_steps with the labels' names and units) plus extra detail.
public struct SessionSummary: Sendable, Equatable, Codable {
  // A session detected on the elbow force alone has no angle: its reps' peaks and its holds'
  // means and steadiness are forces, reported as `peak_n`, `mean_n`, `sd_n`, with the spec's
  // degree fields present and null.

  public struct RepEntry: Sendable, Equatable, Codable {
    public var start: Double
    public var end: Double
    /// θ's peak (degrees), or nil when the session had no IMU.
    public var peakDeg: Double?
    /// The elbow force's peak above lying (N), in a session detected on the force alone.
    public var peakN: Double?
    public var holdCount: Int
    public var breathStepCount: Int
    public var completedTop: Bool
    public var cutShort: Bool
    /// The peak in the session's unit (degrees, or newtons on the force alone).
    public var peak: Double { peakDeg ?? peakN ?? .nan }

    enum CodingKeys: String, CodingKey {
      case start, end
      case peakDeg = "peak_deg"
      case peakN = "peak_n"
      case holdCount = "hold_count"
      case breathStepCount = "breath_step_count"
      case completedTop = "completed_top"
      case cutShort = "cut_short"
    }

    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(start, forKey: .start)
      try c.encode(end, forKey: .end)
      try c.encode(peakDeg, forKey: .peakDeg)  // null without an angle: the spec's field stays
      try c.encodeIfPresent(peakN, forKey: .peakN)
      try c.encode(holdCount, forKey: .holdCount)
      try c.encode(breathStepCount, forKey: .breathStepCount)
      try c.encode(completedTop, forKey: .completedTop)
      try c.encode(cutShort, forKey: .cutShort)
    }
  }

  public struct HoldEntry: Sendable, Equatable, Codable {
    public var start: Double
    public var end: Double
    public var kind: HoldKind
    /// θ's mean (degrees), or nil when the session had no IMU.
    public var meanDeg: Double?
    /// The elbow force's mean above lying (N), in a session detected on the force alone.
    public var meanN: Double?
    public var durationS: Double
    /// Standard deviation of θ in the hold (ripple included): how steady it was.
    public var sdDeg: Double?
    /// …of the force, on the force alone (N).
    public var sdN: Double?
    public var rep: Int
    public var tractionDriveN: Double?
    public var lumbarMeanDeg: Double?
    /// The mean and the steadiness in the session's unit (degrees, or newtons on the force alone).
    public var mean: Double { meanDeg ?? meanN ?? .nan }
    public var sd: Double { sdDeg ?? sdN ?? .nan }

    enum CodingKeys: String, CodingKey {
      case start, end, kind, rep
      case meanDeg = "mean_deg"
      case meanN = "mean_n"
      case durationS = "duration_s"
      case sdDeg = "sd_deg"
      case sdN = "sd_n"
      case tractionDriveN = "traction_drive_n"
      case lumbarMeanDeg = "lumbar_mean_deg"
    }

    public func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(start, forKey: .start)
      try c.encode(end, forKey: .end)
      try c.encode(kind, forKey: .kind)
      try c.encode(meanDeg, forKey: .meanDeg)  // null without an angle: the spec's field stays
      try c.encodeIfPresent(meanN, forKey: .meanN)
      try c.encode(durationS, forKey: .durationS)
      try c.encode(sdDeg, forKey: .sdDeg)
      try c.encodeIfPresent(sdN, forKey: .sdN)
      try c.encode(rep, forKey: .rep)
      try c.encodeIfPresent(tractionDriveN, forKey: .tractionDriveN)
      try c.encodeIfPresent(lumbarMeanDeg, forKey: .lumbarMeanDeg)
    }
  }

  public struct BreathStepEntry: Sendable, Equatable, Codable {
    public var t: Double
    public var riseDeg: Double
    public var rep: Int
    /// nil for the step into the top hold (relaxing down follows it, not a kept exhale).
    public var keptExhale: Bool?

    enum CodingKeys: String, CodingKey {
      case t, rep
      case riseDeg = "rise_deg"
      case keptExhale = "kept_exhale"
    }
  }

  public var reps: [RepEntry]
  public var holds: [HoldEntry]
  public var breathSteps: [BreathStepEntry]
  public var mode: DetectionMode
  /// How θ = 0 was found.
  public var reference: ReferenceSource
  public var warnings: [SessionWarning]
  public var samples: Int
  public var durationS: Double
  /// Gaps in t (longer than 2.5 nominal sample periods) and their total length.
  public var gaps: Int
  public var gapSeconds: Double
  /// The calibration learned (reference vertical and axis), to store in a profile.
  public var calibration: AngleCalibration?

  public var repCount: Int { reps.count }
  public var holdCount: Int { holds.count }
  public var breathStepCount: Int { breathSteps.count }
  public var completedTopCount: Int { reps.filter(\.completedTop).count }

  /// The spec's events alone, in the label types (for scoring).
  public var labels: SessionLabels {
    SessionLabels(
      variantPerRep: reps.map { $0.breathStepCount > 0 ? .anchored : .basic },
      reps: reps.map { Rep(start: $0.start, end: $0.end, peakDeg: $0.peak) },
      holds: holds.map { Hold(start: $0.start, end: $0.end, kind: $0.kind, meanDeg: $0.mean) },
      breathSteps: breathSteps.map { BreathStep(t: $0.t, riseDeg: $0.riseDeg) })
  }

  enum CodingKeys: String, CodingKey {
    case reps, holds, mode, reference, warnings, samples, gaps, calibration
    case breathSteps = "breath_steps"
    case durationS = "duration_s"
    case gapSeconds = "gap_seconds"
    case repCount = "rep_count"
    case holdCount = "hold_count"
    case breathStepCount = "breath_step_count"
    case completedTopCount = "completed_top_count"
  }

  public init(
    reps: [RepEntry], holds: [HoldEntry], breathSteps: [BreathStepEntry], mode: DetectionMode,
    reference: ReferenceSource, warnings: [SessionWarning], samples: Int, durationS: Double,
    gaps: Int, gapSeconds: Double, calibration: AngleCalibration?
  ) {
    self.reps = reps
    self.holds = holds
    self.breathSteps = breathSteps
    self.mode = mode
    self.reference = reference
    self.warnings = warnings
    self.samples = samples
    self.durationS = durationS
    self.gaps = gaps
    self.gapSeconds = gapSeconds
    self.calibration = calibration
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    reps = try c.decodeIfPresent([RepEntry].self, forKey: .reps) ?? []
    holds = try c.decodeIfPresent([HoldEntry].self, forKey: .holds) ?? []
    breathSteps = try c.decodeIfPresent([BreathStepEntry].self, forKey: .breathSteps) ?? []
    mode = try c.decodeIfPresent(DetectionMode.self, forKey: .mode) ?? .none
    reference = try c.decodeIfPresent(ReferenceSource.self, forKey: .reference) ?? .none
    warnings = try c.decodeIfPresent([SessionWarning].self, forKey: .warnings) ?? []
    samples = try c.decodeIfPresent(Int.self, forKey: .samples) ?? 0
    durationS = try c.decodeIfPresent(Double.self, forKey: .durationS) ?? 0
    gaps = try c.decodeIfPresent(Int.self, forKey: .gaps) ?? 0
    gapSeconds = try c.decodeIfPresent(Double.self, forKey: .gapSeconds) ?? 0
    calibration = try c.decodeIfPresent(AngleCalibration.self, forKey: .calibration)
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(reps, forKey: .reps)
    try c.encode(holds, forKey: .holds)
    try c.encode(breathSteps, forKey: .breathSteps)
    try c.encode(mode, forKey: .mode)
    try c.encode(reference, forKey: .reference)
    try c.encode(warnings, forKey: .warnings)
    try c.encode(samples, forKey: .samples)
    try c.encode(durationS, forKey: .durationS)
    try c.encode(gaps, forKey: .gaps)
    try c.encode(gapSeconds, forKey: .gapSeconds)
    try c.encodeIfPresent(calibration, forKey: .calibration)
    try c.encode(repCount, forKey: .repCount)
    try c.encode(holdCount, forKey: .holdCount)
    try c.encode(breathStepCount, forKey: .breathStepCount)
    try c.encode(completedTopCount, forKey: .completedTopCount)
  }
}

/// The whole per-sample pipeline: Sample → inclination estimator(s) → angle tracker(s) → exercise
/// detector. Generic over the estimator so any `InclinationEstimator` plugs in. Streaming and
/// allocation-free per sample; `finish()` gives the session's summary.
///
/// The mode is fixed by the first sample: with an IMU the detector runs on θ (a load cell then gives
/// each hold's traction drive); with only `load_n` it runs on the force above the lying baseline.
public struct SessionAnalyzer<Estimator: InclinationEstimator> {
  private var estimator: Estimator
  private var sacrumEstimator: Estimator
  private var tracker: ExtensionAngleTracker
  private var sacrumTracker: ExtensionAngleTracker
  private var sacrumAxis = SacrumAxisLearner()
  private var detector: ExerciseDetector
  private var loadDetector: ExerciseDetector
  private(set) public var mode = DetectionMode.none

  private var samples = 0
  private var firstT = 0.0
  private var lastT = 0.0
  private var lastSacrumT = 0.0
  private var hasSacrum = false
  private var nominalDt = 0.0
  private var gaps = 0
  private var gapSeconds = 0.0
  private var warnings = SessionWarningSet()
  private var axisRevisionSeen = 0
  private let standardGravity = 9.80665
  /// |specific force| − g beyond this (m/s²) is an impact: the exercise's own accelerations are
  /// well under 1 m/s².
  private let impactThreshold = 4.0
  /// …or its direction jumps by more than this (degrees) plus what the gyro says the trunk
  /// turned, for at most `impactMaxSeconds` (a tap lasts a few hundredths of a second).
  private let impactDirectionDeg = 12.0
  private let impactMaxSeconds = 0.15
  private var lastGoodAcc: SIMD3<Double>? = nil
  private var lastGoodGyr: SIMD3<Double>? = nil
  private var lastGoodT = 0.0
  private var directionRejectSince: Double? = nil
  /// A long gap ended: the estimators restart at the next reading that is not an impact.
  private var restartPending = false
  /// …and θ reaches the detector again once the estimator has caught up with the accelerometer
  /// (`InclinationFilter`'s 0.6 s catch-up after `motionUnknown()`). Before, the detector bridged
  /// the gap to the stale angle: a lowering inside a gap ended the rep only at the gap's end.
  private let restartSettleSeconds = 0.6
  private var thetaWithheldUntil = -Double.infinity
  /// The longest time between two readings since θ last reached the detector: whether a gap is
  /// bridged is judged by the sensor's silence, not by the settling time added to it (short
  /// dropouts close together are not one long gap).
  private var silentSeconds = 0.0
  /// Gaps up to this long (s) are bridged for the estimator by interpolated readings; longer
  /// ones are skipped (one nominal step), as the motion meanwhile is unknown.
  private let maxBridgedGapSeconds = 1.0
  /// A first interval longer than this (s) is a gap, not the sampling period: the slowest source
  /// (an HX711 at 10 Hz) is well inside it.
  private let maxFirstPeriodSeconds = 0.5
  private let firstGapStepSeconds = 0.01
  /// Largest change of rate (rad/s) across a bridged gap taken as one smooth turn.
  private let maxBridgedRateJump = 0.15
  /// Samples taken for impacts (taps) and kept out of the estimator.
  public private(set) var impactSamples = 0
  /// An accelerometer reading near 1 g has been seen.
  private var plausibleReadingSeen = false

  // Lying baseline of the elbow force (mean over the first `baselineSeconds`).
  private let baselineSeconds = 3.0
  private var loadBaseline: Double? = nil
  private var loadBaselineSum = 0.0
  private var loadBaselineCount = 0
  private var loadFirstT: Double? = nil

  /// - Parameters:
  ///   - makeEstimator: builds a fresh estimator (called once per IMU).
  ///   - calibration: a known reference and axis for the upper-back IMU (skips learning).
  ///   - config: the detector's thresholds on θ.
  public init(
    makeEstimator: () -> Estimator, calibration: AngleCalibration? = nil,
    config: DetectorConfig = .angle, loadConfig: DetectorConfig = .load()
  ) {
    estimator = makeEstimator()
    sacrumEstimator = makeEstimator()
    if let calibration {
      tracker = ExtensionAngleTracker(calibration: calibration)
    } else {
      tracker = ExtensionAngleTracker()
    }
    sacrumTracker = ExtensionAngleTracker()
    detector = ExerciseDetector(config: config)
    loadDetector = ExerciseDetector(config: loadConfig)
  }

  /// Reps, holds and steps found so far (final once `finish()` has run).
  public var detectorResults: ExerciseDetector { mode == .load ? loadDetector : detector }

  public mutating func process(_ sample: Sample) -> SampleOutput {
    let t = sample.t
    var out = SampleOutput(t: t)
    guard t.isFinite else { return out }
    if samples == 0 {
      firstT = t
      lastT = t
      mode = sample.imu != nil ? .imu : (sample.loadN != nil ? .load : .none)
    } else {
      guard t > lastT else { return out }
    }
    out.mode = mode
    // Gaps: a dt well beyond the nominal period. A short one is bridged (below); a long one is
    // not integrated through the gyro.
    var dt = samples == 0 ? 0 : t - lastT
    let sensorDt = dt
    var bridgeSteps = 0
    if samples > 0 {
      if nominalDt == 0 {
        if dt <= maxFirstPeriodSeconds {
          nominalDt = dt
        } else {
          // A gap before the second sample: no rate is known yet to bridge it, and integrating
          // the gyro through it would turn the vertical by rate × gap (an hour of it lost every
          // rep). One short step restarts the estimators; the next interval gives the rate.
          gaps += 1
          gapSeconds += dt
          out.afterGap = true
          dt = firstGapStepSeconds
          restartAfterGap()
        }
      } else if dt > 2.5 * nominalDt {
        gaps += 1
        gapSeconds += dt - nominalDt
        out.afterGap = true
        // Bridged at the nominal rate, unless that is absurdly many steps (a first step of 1e-300 s).
        if dt <= maxBridgedGapSeconds && dt / nominalDt <= 10_000 {
          bridgeSteps = max(1, Int((dt / nominalDt).rounded())) - 1
        } else {
          // A period 10,000 times shorter than a step under 1 s was no period (a first step of
          // 1e-300 s): learnt again from the next intervals, or every step would be a gap.
          let noPeriod = dt <= maxBridgedGapSeconds
          dt = nominalDt
          restartAfterGap()
          if noPeriod { nominalDt = 0 }
        }
      } else {
        nominalDt += (dt - nominalDt) * 0.02
      }
    }
    samples += 1
    lastT = t

    let load = sample.loadN.flatMap { $0.isFinite ? $0 : nil }
    let loadAbove = updateLoadBaseline(t: t, load: load)
    out.loadAboveBaselineN = loadAbove

    switch mode {
    case .imu:
      if let imu = sample.imu {
        // An impact (a tap on the sensor: specific force far from 1 g) moves neither body nor
        // vertical; its rate and force spikes are kept out of the estimator.
        let accNorm = (imu.acc * imu.acc).sum().squareRoot()
        var impact = abs(accNorm - standardGravity) > impactThreshold
        // A tap can also swing the specific force's direction at about 1 g: further from the
        // last good reading than the trunk can have turned meanwhile by its rates (the exercise's
        // own linear accelerations tilt it by a few degrees at most). A new direction that
        // persists for `impactMaxSeconds` is real (a turn during a gap) and is taken.
        if !impact, let a0 = lastGoodAcc, let g0 = lastGoodGyr {
          let rateDeg = max(length(imu.gyr), length(g0)) * degPerRad
          let allowed = impactDirectionDeg + 1.5 * rateDeg * max(0, t - lastGoodT)
          if angleDeg(a0, imu.acc) > allowed {
            let since = directionRejectSince ?? t
            directionRejectSince = since
            impact = t - since < impactMaxSeconds
          }
        }
        if bridgeSteps > 0, let g0 = lastGoodGyr, let a0 = lastGoodAcc {
          // A short gap (dropped readings): the trunk kept turning meanwhile. Its rate is smooth
          // over a fraction of a second, so the missing readings are interpolated between the
          // last one and this one and fed at the nominal step: the turn made during the gap is
          // integrated instead of being left to the slow accelerometer correction.
          // A rate that jumped across the gap is not one smooth turn (a tap's rate spike, or a
          // move that began or ended meanwhile): hold the last rate rather than ramp to a spike
          // for the whole gap; the accelerometer corrects the rest.
          let jumped = length(imu.gyr - g0) > maxBridgedRateJump
          let g1 = impact || jumped ? g0 : imu.gyr
          let a1 = impact ? a0 : imu.acc
          let n = Double(bridgeSteps + 1)
          let h = dt / n
          for k in 1...bridgeSteps {
            let w = Double(k) / n
            estimator.update(gyr: g0 + (g1 - g0) * w, acc: a0 + (a1 - a0) * w, dt: h)
          }
          dt = h
        }
        if restartPending && !impact {
          restartPending = false
          thetaWithheldUntil = t + restartSettleSeconds
          estimator.motionUnknown()
          sacrumEstimator.motionUnknown()
        }
        if impact && !plausibleReadingSeen {
          // No plausible reading yet (a dead or unpowered sensor reads 0, or saturates): θ = 0
          // cannot be found from it, so nothing is estimated until one arrives.
          impactSamples += 1
          detector.drainEvents(into: &out.events)
          return out
        }
        if impact {
          impactSamples += 1
          // Right after a long gap there is no good reading to hold on to: the estimator waits.
          if !restartPending { estimator.update(gyr: .zero, acc: lastGoodAcc ?? imu.acc, dt: dt) }
        } else {
          lastGoodAcc = imu.acc
          lastGoodGyr = imu.gyr
          plausibleReadingSeen = true
          lastGoodT = t
          directionRejectSince = nil
          estimator.update(gyr: imu.gyr, acc: imu.acc, dt: dt)
        }
        let reading = tracker.update(t: t, up: estimator.up, gyr: imu.gyr, acc: imu.acc)
        withdrawWrongAxisReps()
        out.hasAxis = reading.hasAxis
        if reading.isReady {
          out.thetaDeg = reading.thetaDeg
          var lumbar: Double? = nil
          if let imu2 = sample.imu2 {
            lumbar = updateSacrum(imu2, t: t, trunk: reading)
          }
          out.lumbarDeg = lumbar
          // Right after a long gap θ is still the angle from before it (the estimator is
          // catching up): the detector bridges the gap to the settled angle instead.
          silentSeconds = max(silentSeconds, sensorDt)
          if t >= thetaWithheldUntil {
            detector.push(
              t: t, value: reading.thetaDeg, load: load, lumbar: lumbar, silentSeconds: silentSeconds)
            silentSeconds = 0
          }
        } else if let imu2 = sample.imu2 {
          _ = updateSacrum(imu2, t: t, trunk: reading)
        }
      }
      detector.drainEvents(into: &out.events)
    case .load:
      if let above = loadAbove {
        loadDetector.push(t: t, value: above, load: load)
      }
      loadDetector.drainEvents(into: &out.events)
    case .none:
      break
    }
    return out
  }

  /// The turn made during a long gap was never measured: the estimators restart from the first
  /// good reading after it, whatever its direction.
  private mutating func restartAfterGap() {
    restartPending = true
    lastGoodAcc = nil
    lastGoodGyr = nil
    directionRejectSince = nil
  }

  /// Runs the sacrum IMU's estimator and tracker; returns the lumbar angle (upper back − sacrum,
  /// degrees) once both angles are ready.
  private mutating func updateSacrum(_ imu2: IMUReading, t: Double, trunk: AngleReading)
    -> Double?
  {
    let dt2 = hasSacrum ? min(t - lastSacrumT, max(nominalDt, 1e-3) * 2.5) : 0
    hasSacrum = true
    lastSacrumT = t
    sacrumEstimator.update(gyr: imu2.gyr, acc: imu2.acc, dt: dt2)
    let r2 = sacrumTracker.update(t: t, up: sacrumEstimator.up, gyr: imu2.gyr, acc: imu2.acc)
    guard trunk.isReady, r2.isReady else { return nil }
    if trunk.hasAxis,
      let a = sacrumAxis.observe(
        trunkThetaDeg: trunk.thetaDeg, sacrumReference: sacrumTracker.referenceUp,
        sacrumUp: sacrumEstimator.up, dt: dt2)
    {
      sacrumTracker.adoptAxis(a, at: t)
    }
    // Until the sacrum's axis is known its angle is unsigned; its tilt on the elbows is anterior
    // (negative), as `SacrumAxisLearner` explains.
    let sacrumDeg = r2.hasAxis ? r2.thetaDeg : -r2.thetaDeg
    return trunk.thetaDeg - sacrumDeg
  }

  private mutating func updateLoadBaseline(t: Double, load: Double?) -> Double? {
    guard let load else { return nil }
    if let b = loadBaseline { return load - b }
    if loadFirstT == nil { loadFirstT = t }
    loadBaselineSum += load
    loadBaselineCount += 1
    if t - (loadFirstT ?? t) >= baselineSeconds {
      let b = loadBaselineSum / Double(loadBaselineCount)
      loadBaseline = b
      return load - b
    }
    return nil
  }

  /// Each time the tracker takes or revises the axis, the reps read about another axis go.
  private mutating func withdrawWrongAxisReps() {
    guard tracker.axisRevision != axisRevisionSeen else { return }
    axisRevisionSeen = tracker.axisRevision
    for interval in tracker.wrongAxisIntervals {
      detector.withdrawReps(overlapping: interval)
    }
  }

  /// Events still queued (more than a batch came at once, or after `finish`): call until empty.
  public mutating func drainEvents(into batch: inout EventBatch) {
    if mode == .load {
      loadDetector.drainEvents(into: &batch)
    } else {
      detector.drainEvents(into: &batch)
    }
  }

  /// Ends the session: closes what is open and returns the summary. Events that the close
  /// produced are in `finalEvents`.
  public mutating func finish() -> SessionSummary {
    var batch = EventBatch()
    return finish(finalEvents: &batch)
  }

  public mutating func finish(finalEvents: inout EventBatch) -> SessionSummary {
    if mode == .load {
      loadDetector.finish()
      loadDetector.drainEvents(into: &finalEvents)
    } else {
      detector.finish()
      tracker.settleAxisAtEnd()
      withdrawWrongAxisReps()
      detector.drainEvents(into: &finalEvents)
    }
    let d = detectorResults
    var w = warnings
    if mode == .imu {
      if tracker.referenceSource == .firstSamples { w.insert(.referenceFromFirstSamples) }
      if samples > 0 && !plausibleReadingSeen { w.insert(.accelerometerImplausible) }
      if tracker.isReady && !tracker.hasAxis { w.insert(.axisNotLearned) }
      if hasSacrum && sacrumTracker.referenceSource == .firstSamples {
        w.insert(.sacrumReferenceFromFirstSamples)
      }
      if hasSacrum && sacrumTracker.isReady && !sacrumTracker.hasAxis && !d.reps.isEmpty {
        w.insert(.sacrumAxisNotLearned)
      }
    }
    if d.resetGaps > 0 { w.insert(.longGap) }
    if d.longBridgedGaps > 0 { w.insert(.gapBridged) }
    if d.reps.contains(where: \.cutShort) { w.insert(.repCutShort) }
    // On the force alone the detector's values are newtons.
    let force = mode == .load
    let reps = d.reps.map {
      SessionSummary.RepEntry(
        start: $0.rep.start, end: $0.rep.end, peakDeg: force ? nil : $0.rep.peakDeg,
        peakN: force ? $0.rep.peakDeg : nil, holdCount: $0.holdCount,
        breathStepCount: $0.breathStepCount, completedTop: $0.completedTop, cutShort: $0.cutShort)
    }
    let holds = d.holds.map {
      SessionSummary.HoldEntry(
        start: $0.hold.start, end: $0.hold.end, kind: $0.hold.kind,
        meanDeg: force ? nil : $0.hold.meanDeg, meanN: force ? $0.hold.meanDeg : nil,
        durationS: $0.hold.duration, sdDeg: force ? nil : $0.sdDeg, sdN: force ? $0.sdDeg : nil,
        rep: $0.repIndex, tractionDriveN: $0.tractionDriveN, lumbarMeanDeg: $0.lumbarMeanDeg)
    }
    let steps = d.breathSteps.map {
      SessionSummary.BreathStepEntry(
        t: $0.step.t, riseDeg: $0.step.riseDeg, rep: $0.repIndex, keptExhale: $0.keptExhale)
    }
    return SessionSummary(
      reps: reps, holds: holds, breathSteps: steps, mode: mode,
      reference: mode == .imu ? tracker.referenceSource : (mode == .load ? .firstSamples : .none),
      warnings: w.list, samples: samples, durationS: samples > 0 ? lastT - firstT : 0,
      gaps: gaps, gapSeconds: gapSeconds, calibration: tracker.calibration)
  }
}

extension SessionAnalyzer: Sendable where Estimator: Sendable {}

extension SessionAnalyzer where Estimator == ComplementaryFilter {
  /// The pipeline with the baseline complementary filter.
  public init(calibration: AngleCalibration? = nil) {
    self.init(makeEstimator: { ComplementaryFilter() }, calibration: calibration)
  }
}

/// A set of warnings kept in declaration order, without allocating until listed.
struct SessionWarningSet: Sendable {
  private var bits: UInt16 = 0
  private static let all: [SessionWarning] = [
    .referenceFromFirstSamples, .axisNotLearned, .sacrumReferenceFromFirstSamples,
    .sacrumAxisNotLearned, .longGap, .gapBridged, .repCutShort, .accelerometerImplausible,
  ]

  mutating func insert(_ w: SessionWarning) {
    if let i = Self.all.firstIndex(of: w) { bits |= 1 << UInt16(i) }
  }

  var list: [SessionWarning] {
    Self.all.enumerated().filter { bits & (1 << UInt16($0.offset)) != 0 }.map(\.element)
  }
}
