#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A known reference posture and left–right axis (from a calibration profile), both in the sensor
/// frame. With one, the tracker is ready from the first sample and learns nothing.
public struct AngleCalibration: Sendable, Equatable, Codable {
  /// Unit vertical of the relaxed prone posture (θ = 0), sensor frame.
  public var referenceUp: SIMD3<Double>
  /// Unit left–right axis, signed so that raising the chest is a positive rotation.
  public var axis: SIMD3<Double>

  public init(referenceUp: SIMD3<Double>, axis: SIMD3<Double>) {
    self.referenceUp = referenceUp
    self.axis = axis
  }

  enum CodingKeys: String, CodingKey {
    case referenceUp = "reference_up"
    case axis
  }
}

/// What the tracker knows at one sample.
public struct AngleReading: Sendable, Equatable {
  /// Extension angle in degrees; meaningful only when `isReady`.
  public var thetaDeg: Double
  /// θ = 0 is defined (the reference posture is known).
  public var isReady: Bool
  /// The left–right axis is known; before that θ is the unsigned angle from the reference.
  public var hasAxis: Bool

  public init(thetaDeg: Double, isReady: Bool, hasAxis: Bool) {
    self.thetaDeg = thetaDeg
    self.isReady = isReady
    self.hasAxis = hasAxis
  }

  public static let notReady = AngleReading(thetaDeg: 0, isReady: false, hasAxis: false)
}

/// How θ = 0 was found.
public enum ReferenceSource: String, Sendable, Equatable, Codable {
  /// Not yet found.
  case none
  /// The first ≥ `stillSeconds` of stillness, as the recording format asks.
  case initialStillness = "initial_stillness"
  /// The recording did not start still: θ = 0 was taken from the first samples (a warning).
  case firstSamples = "first_samples"
  /// Given by a calibration profile.
  case calibration
}

/// Turns the estimator's vertical (`up`, sensor frame) into the extension angle θ in degrees.
///
/// θ = 0 is the mean vertical g0 over the first stretch of stillness; the left–right axis is
/// learned from the first rise as the direction of g0 × g (a clearly larger rise takes it over
/// from a roll that took it first). θ is the signed rotation of the vertical about that axis (the
/// vertical projected onto the plane ⊥ axis), so rolling about the long axis does not read as
/// extension. Streaming, constant memory, no allocation per sample (an array of withdrawn
/// intervals each time the axis is taken).
public struct ExtensionAngleTracker: Sendable {
  /// Seconds of stillness that define θ = 0.
  public var stillSeconds = 3.0
  /// Gyro magnitude (rad/s, smoothed) below which the body counts as still.
  public var stillGyroRadPerSec = 0.1
  /// How far (degrees) the accelerometer direction may wander from its running mean while still.
  public var stillWanderDeg = 2.5
  /// Movements from g0 larger than this (degrees) are excursions, remembered for the axis.
  public var excursionStartDeg = 5.0
  /// An excursion ends when the angle from g0 falls below this (degrees).
  public var excursionEndDeg = 2.5
  /// An excursion that reaches this (degrees: larger than a roll "a little to one side") may take
  /// the axis…
  public var axisLockDeg = 16.0
  /// …and so may the second rep-sized excursion (at least this, degrees) about the same axis.
  public var repSizedDeg = 8.0
  /// An axis taken from the excursions passes to an excursion about another axis that reaches
  /// `axisLockDeg`, peaks this much (degrees) above any about the axis and lasts longer than them
  /// in degree-seconds: the larger movements are the rises…
  public var takeOverMarginDeg = 2.0
  /// …until this many rep-sized excursions (with the one that gave it) have agreed with it.
  public var finalAfter = 2
  /// Seconds over which θ blends from the unsigned angle to the projection when the axis arrives.
  public var blendSeconds = 0.5

  public private(set) var referenceSource: ReferenceSource = .none
  public private(set) var referenceUp = SIMD3<Double>(0, 0, 1)
  public private(set) var axis = SIMD3<Double>(0, 0, 0)
  public private(set) var hasAxis = false
  /// Time at which θ = 0 was fixed.
  public private(set) var referenceTime = 0.0
  /// Before the axis is known θ is the unsigned angle from g0, so a roll then reads as extension.
  /// When the axis arrives, or passes to another axis, the remembered excursions about another
  /// axis are listed here (start and end times): what was read in them was not extension.
  public private(set) var wrongAxisIntervals: [ClosedRange<Double>] = []
  /// Counts the times the axis was taken or revised, each with new `wrongAxisIntervals`.
  public private(set) var axisRevision = 0

  // Reference search.
  private var started = false
  private var stillStart = 0.0
  private var firstT = 0.0
  private var accDirSum = SIMD3<Double>(0, 0, 0)
  private var accDirCount = 0
  private var gyroSmooth = 0.0
  private var lastT = 0.0
  private var movingSince = -1.0

  // Axis learning.
  private var inExcursion = false
  private var excursionStart = 0.0
  private var excursionPeakDeg = 0.0
  // Degree-seconds above excursionEndDeg: how much of a movement it was (a rep holds, a roll
  // comes and goes).
  private var excursionArea = 0.0
  private var excursionLastT = 0.0
  private var excursionAxisSum = SIMD3<Double>(0, 0, 0)
  private var refiningExcursion = false
  // The rep-sized excursions (at most `storedCapacity`, oldest dropped), before and after the
  // axis was taken.
  private static let storedCapacity = 8
  private var storedStart = ContiguousArray<Double>(repeating: 0, count: storedCapacity)
  private var storedEnd = ContiguousArray<Double>(repeating: 0, count: storedCapacity)
  private var storedPeak = ContiguousArray<Double>(repeating: 0, count: storedCapacity)
  private var storedArea = ContiguousArray<Double>(repeating: 0, count: storedCapacity)
  private var storedAxis = ContiguousArray<SIMD3<Double>>(repeating: .zero, count: storedCapacity)
  private var storedCount = 0
  private var blendStart = -1.0
  // The axis came from the excursions (not from a profile or the sacrum), so a clearly larger
  // excursion about another axis takes it over, until `finalAfter` rep-sized excursions have
  // agreed with it. axisPeakDeg and axisArea: the largest peak and degree-seconds about it.
  private var axisRevisable = false
  private var axisPeakDeg = 0.0
  private var axisArea = 0.0
  private var axisAgreeing = 0
  // Precomputed frame for the projection: p0 (reference in the plane ⊥ axis), b = axis × p0.
  private var p0 = SIMD3<Double>(0, 0, 1)
  private var b = SIMD3<Double>(1, 0, 0)

  public init() {}

  /// A tracker that starts ready, with θ = 0 and the axis from a profile.
  public init(calibration: AngleCalibration) {
    referenceUp = normalized(calibration.referenceUp)
    referenceSource = .calibration
    setAxis(normalized(calibration.axis))
    blendStart = -1
  }

  public var isReady: Bool { referenceSource != .none }

  /// The calibration this tracker has arrived at, once it has both reference and axis.
  public var calibration: AngleCalibration? {
    guard isReady, hasAxis else { return nil }
    return AngleCalibration(referenceUp: referenceUp, axis: axis)
  }

  /// One sample: time (s), the estimator's unit vertical, and the raw gyro/accelerometer (used only
  /// to recognise stillness while looking for θ = 0).
  public mutating func update(
    t: Double, up: SIMD3<Double>, gyr: SIMD3<Double>, acc: SIMD3<Double>
  ) -> AngleReading {
    if referenceSource == .none {
      searchReference(t: t, gyr: gyr, acc: acc, up: up)
      if referenceSource == .none { return .notReady }
    }
    return angle(t: t, up: up)
  }

  /// Fixes θ = 0 now from what was seen so far (used when a recording ends or must start at once).
  public mutating func forceReference(t: Double, up: SIMD3<Double>) {
    guard referenceSource == .none else { return }
    if accDirCount > 0 {
      referenceUp = normalized(accDirSum)
    } else {
      referenceUp = normalized(up)
    }
    referenceSource = .firstSamples
    referenceTime = t
  }

  /// Takes a left–right axis learned elsewhere (the sacrum's, from its tilt while the trunk
  /// rises: `SacrumAxisLearner`), unless this tracker already has one. θ blends over to it.
  public mutating func adoptAxis(_ a: SIMD3<Double>, at t: Double) {
    guard isReady, !hasAxis, length(a) > 0 else { return }
    setAxis(normalized(a))
    blendStart = t
  }

  // MARK: Reference

  private mutating func searchReference(
    t: Double, gyr: SIMD3<Double>, acc: SIMD3<Double>, up: SIMD3<Double>
  ) {
    let an = length(acc)
    let dir = an > 0 ? acc / an : up
    if !started {
      started = true
      firstT = t
      stillStart = t
      lastT = t
      gyroSmooth = length(gyr)
    }
    let dt = max(0, min(t - lastT, 0.5))
    lastT = t
    // 0.1 s smoothing of the gyro magnitude: noise and single spikes do not break stillness.
    let k = min(1, dt / 0.1)
    gyroSmooth += (length(gyr) - gyroSmooth) * k
    var still = gyroSmooth < stillGyroRadPerSec && abs(an - 9.81) < 2.0
    if still && accDirCount > 0 {
      let mean = normalized(accDirSum)
      still = angleDeg(mean, dir) < stillWanderDeg
    }
    if still {
      movingSince = -1
      accDirSum += dir
      accDirCount += 1
      if t - stillStart >= stillSeconds {
        referenceUp = normalized(accDirSum)
        referenceSource = stillStart - firstT < 0.5 ? .initialStillness : .firstSamples
        referenceTime = t
      }
      return
    }
    // A tap or a spike (under 0.2 s) is skipped, not taken as movement.
    if movingSince < 0 { movingSince = t }
    if t - movingSince < 0.2 && accDirCount > 0 { return }
    // Real movement before the full stillness: if the recording began still for a while, that
    // stretch is θ = 0 (with a warning); a recording that starts moving uses its first samples.
    if accDirCount > 0 {
      referenceUp = normalized(accDirSum)
    } else {
      referenceUp = dir
    }
    referenceSource = .firstSamples
    referenceTime = t
  }

  // MARK: Angle and axis

  private mutating func setAxis(_ a: SIMD3<Double>) {
    axis = a
    hasAxis = true
    var q = referenceUp - a * dot(referenceUp, a)
    if length(q) < 1e-9 { q = referenceUp }
    p0 = normalized(q)
    b = cross(a, p0)
  }

  private mutating func angle(t: Double, up: SIMD3<Double>) -> AngleReading {
    let g = normalized(up)
    let c = cross(referenceUp, g)
    let unsignedDeg = atan2(length(c), dot(referenceUp, g)) * degPerRad
    learnAxis(t: t, c: c, unsignedDeg: unsignedDeg)
    guard hasAxis else {
      return AngleReading(thetaDeg: unsignedDeg, isReady: true, hasAxis: false)
    }
    let projected = atan2(dot(g, b), dot(g, p0)) * degPerRad
    var theta = projected
    if blendStart >= 0 {
      let w = (t - blendStart) / blendSeconds
      if w >= 1 || w < 0 {
        blendStart = -1
      } else {
        theta = w * projected + (1 - w) * unsignedDeg
      }
    }
    return AngleReading(thetaDeg: theta, isReady: true, hasAxis: true)
  }

  private mutating func learnAxis(t: Double, c: SIMD3<Double>, unsignedDeg: Double) {
    if !inExcursion {
      guard unsignedDeg >= excursionStartDeg else { return }
      inExcursion = true
      excursionStart = t
      excursionLastT = t
      excursionPeakDeg = 0
      excursionArea = 0
      excursionAxisSum = .zero
      refiningExcursion = false
    }
    if unsignedDeg < excursionEndDeg {
      endExcursion(t: t)
      return
    }
    if unsignedDeg > excursionPeakDeg { excursionPeakDeg = unsignedDeg }
    excursionArea += unsignedDeg * min(t - excursionLastT, 0.5)
    excursionLastT = t
    // Near the peak of the excursion the direction of g0 × g is the rotation axis, weighted by
    // sin(angle) so the largest (least noisy) part of the movement dominates.
    if unsignedDeg >= 0.5 * excursionPeakDeg { excursionAxisSum += c }
    let candidateLength = length(excursionAxisSum)
    guard candidateLength > 0 else { return }
    let candidate = excursionAxisSum / candidateLength
    if hasAxis {
      // Keep refining over the rise that gave the axis, while the movement still grows.
      if refiningExcursion {
        if unsignedDeg >= 0.8 * excursionPeakDeg { setAxis(candidate) }
        axisPeakDeg = max(axisPeakDeg, excursionPeakDeg)
        axisArea = max(axisArea, excursionArea)
        return
      }
      guard axisRevisable, excursionPeakDeg >= repSizedDeg else { return }
      let agreement = abs(dot(candidate, axis))
      if agreement >= 0.9 {
        axisPeakDeg = max(axisPeakDeg, excursionPeakDeg)
        axisArea = max(axisArea, excursionArea)
      } else if agreement < 0.77,
        excursionPeakDeg >= max(axisLockDeg, axisPeakDeg + takeOverMarginDeg),
        excursionArea > axisArea
      {
        // Clearly larger than anything about the axis: what gave the axis was a roll.
        take(candidate, t: t)
      }
      return
    }
    var lock = unsignedDeg >= axisLockDeg
    if !lock && unsignedDeg >= repSizedDeg {
      for k in 0..<min(storedCount, Self.storedCapacity)
      where abs(dot(storedAxis[k], candidate)) >= 0.9 {
        lock = true
      }
    }
    if lock { take(candidate, t: t) }
  }

  private mutating func endExcursion(t: Double) {
    inExcursion = false
    let gaveAxis = refiningExcursion
    refiningExcursion = false
    let n = length(excursionAxisSum)
    guard excursionPeakDeg >= repSizedDeg, n > 0 else { return }
    let excursionAxis = excursionAxisSum / n
    let i = storedCount % Self.storedCapacity
    storedStart[i] = excursionStart
    storedEnd[i] = t
    storedPeak[i] = excursionPeakDeg
    storedArea[i] = excursionArea
    storedAxis[i] = excursionAxis
    storedCount += 1
    guard hasAxis, gaveAxis || abs(dot(excursionAxis, axis)) >= 0.9 else { return }
    axisAgreeing += 1
    // Enough rep-sized movements about one axis are the exercise: from then on a strap that slips
    // changes θ's scale but takes away no rep already found.
    if axisAgreeing >= finalAfter { axisRevisable = false }
  }

  /// At the end of a recording that never took an axis, having seen rep-sized excursions about
  /// two axes (a small rep and a roll, neither reaching `axisLockDeg`): the reps read during the
  /// excursions about all but the likeliest rise's axis (the largest by `takeOverMarginDeg`, or
  /// the one moved about longest in degree-seconds) were rolls, listed in `wrongAxisIntervals`
  /// (a new `axisRevision`). The axis itself stays unknown: the evidence is too thin to store.
  public mutating func settleAxisAtEnd() {
    let count = min(storedCount, Self.storedCapacity)
    guard isReady, !hasAxis, count > 1 else { return }
    var best = 0
    for k in 1..<count {
      let peakLead = storedPeak[k] - storedPeak[best]
      if peakLead >= takeOverMarginDeg
        || (abs(peakLead) < takeOverMarginDeg && storedArea[k] > storedArea[best])
      {
        best = k
      }
    }
    let wrong = intervals(conflictingWith: storedAxis[best])
    guard !wrong.isEmpty else { return }
    wrongAxisIntervals = wrong
    axisRevision += 1
  }

  /// The stored excursions about an axis more than 40° from `axis`, as time intervals.
  private func intervals(conflictingWith axis: SIMD3<Double>) -> [ClosedRange<Double>] {
    var out: [ClosedRange<Double>] = []
    for k in 0..<min(storedCount, Self.storedCapacity)
    where abs(dot(storedAxis[k], axis)) < 0.77 {
      out.append(storedStart[k]...storedEnd[k])
    }
    return out
  }

  /// Takes `candidate` as the axis from the excursion in progress (refined while it still grows).
  /// What was read in the stored excursions about another axis was a roll, not extension.
  private mutating func take(_ candidate: SIMD3<Double>, t: Double) {
    wrongAxisIntervals = intervals(conflictingWith: candidate)
    setAxis(candidate)
    axisPeakDeg = excursionPeakDeg
    axisArea = excursionArea
    axisAgreeing = 0
    for k in 0..<min(storedCount, Self.storedCapacity)
    where abs(dot(storedAxis[k], candidate)) >= 0.9 {
      axisPeakDeg = max(axisPeakDeg, storedPeak[k])
      axisArea = max(axisArea, storedArea[k])
      axisAgreeing += 1
    }
    axisRevisable = axisAgreeing + 1 < finalAfter
    refiningExcursion = true
    blendStart = t
    axisRevision += 1
  }
}

let degPerRad = 180.0 / Double.pi

@inline(__always)
func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }

@inline(__always)
func length(_ a: SIMD3<Double>) -> Double { (a * a).sum().squareRoot() }

@inline(__always)
func normalized(_ a: SIMD3<Double>) -> SIMD3<Double> {
  let n = length(a)
  return n > 0 ? a / n : SIMD3(0, 0, 1)
}

@inline(__always)
func angleDeg(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double {
  atan2(length(cross(a, b)), dot(a, b)) * degPerRad
}
