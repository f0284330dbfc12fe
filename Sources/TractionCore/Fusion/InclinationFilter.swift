/// A 6-axis inclination estimator with gyroscope bias estimation, rest detection and robustness
/// to linear acceleration. The project's estimator of choice; see docs/orientation.md.
///
/// How it works (the idea of VQF, Laidig & Seel 2023, in a cheaper sensor-frame form):
/// - The accelerometer is low-pass filtered (second-order Butterworth, time constant
///   `accTimeConstant`) in an almost-inertial frame: the filter's state vectors are themselves
///   rotated by the bias-corrected gyroscope at every step, so a turn of the sensor does not lag
///   while linear accelerations, whose integral over a movement is a bounded velocity, average
///   out. The estimate `up` is the direction of the filter's output.
/// - In motion, the gyroscope bias is learnt from the correction the filter applies: a bias error
///   makes the gyro-propagated state drift, and the filter keeps turning it back at the drift
///   rate. That turn rate (only its components across `up` are observable) is integrated into the
///   bias with time constant `biasTimeConstantMotion`.
/// - At rest, the bias is the mean gyroscope reading (the plain mean over the first rest, then an
///   exponential average with time constant `biasTimeConstantRest`), and the low-pass runs with the shorter `accTimeConstantRest` (the
///   specific force is then gravity alone). Rest means, for `restMinDuration`: angular rate and specific force
///   within `restGyroThreshold` and `restAccThreshold` of their 0.5 s low-passed values (no shake,
///   no turn onset) and, once the bias is calibrated, the low-passed angular rate minus the bias
///   within `restGyroThreshold` too (so a slow steady turn is not taken for a bias). Before the
///   first calibration any plausible bias (`maxBias`) is accepted: switch on at rest.
/// - Gyroscope saturation: a reading at the full-scale range (`gyroSaturation`) means the turn
///   integrated meanwhile is wrong; the low-pass restarts from a short time constant, as at
///   power-on, and `status` is `.recovering` until it has settled again.
/// - A long gap in the readings (`motionUnknown()`): the turn made meanwhile was never measured;
///   the low-pass runs on a short time constant for 0.6 s, then settles as after power-on, so the
///   estimate is right within about half a second instead of drifting in over the full time
///   constant. The corrections meanwhile are the missed turn, not a bias: none is learnt.
/// - Latency: an IMU's samples describe the motion of a moment ago (its digital low-pass filter's
///   group delay, and any transport delay). With `latency` > 0, `up` is predicted forward by that
///   time with the current bias-corrected angular rate; the filter's state is not changed.
///
/// Conventions (as `InclinationEstimator`): gyroscope in rad/s and accelerometer (specific force,
/// +9.81 m/s² along the upward axis when still) in m/s², both in the sensor frame; `dt` in seconds;
/// `up` is the unit vertical pointing away from the floor, in the sensor frame, i.e.
/// R(q)ᵀ·(0,0,1) for a sensor-to-earth quaternion q in a z-up earth frame (ENU/NWU).
/// Units matter: the rest thresholds are in m/s² and rad/s.
///
/// Streaming and causal, constant memory, no allocation per sample, a plain value type.
public struct InclinationFilter: InclinationEstimator, Sendable {
  /// The filter's tuning. Every value has a physical meaning; the defaults suit a MEMS IMU
  /// sampled at 100–1000 Hz on a body segment.
  public struct Parameters: Sendable, Equatable {
    /// Time constant (s) of the inertial-frame accelerometer low-pass. Longer rejects linear
    /// acceleration better but lets gyroscope errors accumulate for longer.
    public var accTimeConstant: Double
    /// Time constant (s) of the accelerometer low-pass during detected rest, when the specific
    /// force is gravity alone: shorter, so a hold shows its true inclination sooner.
    public var accTimeConstantRest: Double
    /// Time constant (s) of the bias estimation in motion, from the inclination corrections.
    public var biasTimeConstantMotion: Double
    /// Time constant (s) of the bias estimation during detected rest, from the raw gyroscope.
    public var biasTimeConstantRest: Double
    /// Largest plausible gyroscope bias (rad/s), per axis; the estimate is clipped to it.
    /// MPU-6050-class chips are specified up to ±20 °/s before calibration.
    public var maxBias: Double
    /// Rest: largest deviation (rad/s) of the angular rate from its 0.5 s low-pass.
    public var restGyroThreshold: Double
    /// Rest: largest deviation (m/s²) of the specific force from its 0.5 s low-pass.
    public var restAccThreshold: Double
    /// Rest: how long (s) both deviations must stay under their thresholds.
    public var restMinDuration: Double
    /// How long (s) the IMU's samples lag the motion they describe; `up` is predicted forward by
    /// it. A property of the sensor's configuration (MPU-6050: 1–19 ms, depending on its digital
    /// low-pass setting); 0 when unknown.
    public var latency: Double
    /// Angular rate (rad/s) at which the gyroscope saturates, per axis (its full-scale range).
    /// A reading at or beyond it starts a recovery: the low-pass restarts from a short time
    /// constant, as at power-on, because the turn integrated meanwhile is wrong. Infinity (the
    /// default) when unknown.
    public var gyroSaturation: Double

    /// The parameters with every value in a usable range.
    public func sanitized() -> Parameters {
      let d = Parameters()
      func clean(_ x: Double, _ fallback: Double, min lower: Double) -> Double {
        x.isNaN || x == -.infinity ? fallback : max(lower, x)
      }
      var p = self
      p.accTimeConstant = clean(accTimeConstant, d.accTimeConstant, min: 0.1)
      if !p.accTimeConstant.isFinite { p.accTimeConstant = d.accTimeConstant }
      p.accTimeConstantRest = clean(accTimeConstantRest, d.accTimeConstantRest, min: 0.1)
      p.biasTimeConstantMotion = clean(biasTimeConstantMotion, d.biasTimeConstantMotion, min: 0.1)
      p.biasTimeConstantRest = clean(biasTimeConstantRest, d.biasTimeConstantRest, min: 0.1)
      p.maxBias = clean(maxBias, d.maxBias, min: 0)
      p.restGyroThreshold = clean(restGyroThreshold, d.restGyroThreshold, min: 0)
      p.restAccThreshold = clean(restAccThreshold, d.restAccThreshold, min: 0)
      p.restMinDuration = clean(restMinDuration, d.restMinDuration, min: 0)
      p.latency = clean(latency, d.latency, min: 0)
      if !p.latency.isFinite { p.latency = d.latency }
      if !p.maxBias.isFinite { p.maxBias = d.maxBias }
      // Not positive (or NaN): unknown range, no saturation handling.
      p.gyroSaturation = gyroSaturation > 0 ? gyroSaturation : .infinity
      return p
    }

    public init(
      accTimeConstant: Double = 3.0,
      accTimeConstantRest: Double = 1.0,
      biasTimeConstantMotion: Double = 100.0,
      biasTimeConstantRest: Double = 3.0,
      maxBias: Double = 20.0 * .pi / 180,
      restGyroThreshold: Double = 2.0 * .pi / 180,
      restAccThreshold: Double = 0.5,
      restMinDuration: Double = 1.5,
      latency: Double = 0,
      gyroSaturation: Double = .infinity
    ) {
      self.accTimeConstant = accTimeConstant
      self.accTimeConstantRest = accTimeConstantRest
      self.biasTimeConstantMotion = biasTimeConstantMotion
      self.biasTimeConstantRest = biasTimeConstantRest
      self.maxBias = maxBias
      self.restGyroThreshold = restGyroThreshold
      self.restAccThreshold = restAccThreshold
      self.restMinDuration = restMinDuration
      self.latency = latency
      self.gyroSaturation = gyroSaturation
    }
  }

  /// What the filter is doing, and whether its output can be trusted yet.
  public enum Status: Sendable, Equatable {
    /// The low-pass has not yet forgotten its initial state: `up` is not trustworthy.
    case startingUp
    /// The gyroscope saturated recently: re-converging as after power-on, `up` not trustworthy.
    case recovering
    /// Tracking the vertical while the sensor moves.
    case moving
    /// Tracking while the sensor is detected at rest (the bias is being calibrated).
    case resting
  }

  public let parameters: Parameters

  // Low-pass output (its direction is `up`) and its rate of change, both in the sensor frame
  // and in the accelerometer's unit.
  @usableFromInline var lowPass = SIMD3<Double>(0, 0, 1)
  @usableFromInline var lowPassRate = SIMD3<Double>.zero
  @usableFromInline var biasState = SIMD3<Double>.zero
  // Last bias-corrected angular rate (rad/s), for the latency prediction.
  @usableFromInline var rate = SIMD3<Double>.zero
  // Rest detection state: 0.5 s low-passes of the raw signals and the time spent quiet.
  @usableFromInline var restGyrLP = SIMD3<Double>.zero
  @usableFromInline var restAccLP = SIMD3<Double>.zero
  @usableFromInline var quietTime = 0.0
  @usableFromInline var elapsed = 0.0
  // Time since power-on, the last gyroscope saturation or a long gap: drives the start-up ramp.
  @usableFromInline var sinceRestart = 0.0
  @usableFromInline var restTimeTotal = 0.0
  @usableFromInline var started = false
  // After a long gap, until the low-pass has settled: its large corrections are the turn made
  // during the gap, not a gyroscope bias, so they are not learnt.
  @usableFromInline var catchingUp = false
  // Coefficients for the last `dt` (recomputed only when dt changes).
  @usableFromInline var coeffDt = -1.0
  @usableFromInline var kSpring = 0.0  // ωc²·dt
  @usableFromInline var kSpringRest = 0.0  // the same for the rest time constant
  @usableFromInline var kDampRest = 0.0
  @usableFromInline var filterDtRest = 0.0
  @usableFromInline var kDamp = 0.0  // 1 − 2ζωc·dt
  @usableFromInline var kRest = 0.0  // dt / restFilterTau
  @usableFromInline var kBiasRest = 0.0  // dt / biasTimeConstantRest
  @usableFromInline var kBiasMotion = 0.0  // 1 / biasTimeConstantMotion (per unit of turn)
  @usableFromInline var filterDt = 0.0  // dt, capped for the low-pass's stability over gaps
  @usableFromInline var turnClip = 0.0  // maxBias·dt: largest turn per step credited to the bias
  @usableFromInline var restGyr2 = 0.0
  @usableFromInline var restAcc2 = 0.0

  /// Time constant (s) of the rest detector's low-passes.
  @usableFromInline static var restFilterTau: Double { 0.5 }
  /// Shortest time constant (s) of the accelerometer low-pass during the start-up ramp.
  @usableFromInline static var startTimeConstant: Double { 0.1 }
  /// After a long gap the low-pass runs with this time constant (s) for `catchUpSeconds`, then
  /// ramps up from there: the missed turn is taken in within about half a second (e^−3), while a
  /// single reading (a shake, the end of a rise) does not set the estimate.
  @usableFromInline static var catchUpTimeConstant: Double { 0.2 }
  @usableFromInline static var catchUpSeconds: Double { 0.6 }

  /// A filter in its initial state. Out-of-range parameters are replaced by the nearest usable
  /// value (time constants at least 0.1 s, thresholds and latency non-negative); non-finite
  /// ones by the defaults.
  public init(parameters: Parameters = Parameters()) {
    let parameters = parameters.sanitized()
    self.parameters = parameters
    restGyr2 = parameters.restGyroThreshold * parameters.restGyroThreshold
    restAcc2 = parameters.restAccThreshold * parameters.restAccThreshold
  }

  /// Unit vertical in the sensor frame (see the type's conventions).
  @inlinable public var up: SIMD3<Double> {
    @inline(__always) get {
      // Predicted by `latency` with the current rate (first-order turn: u̇ = u × ω).
      let p = lowPass + crossProduct(lowPass, rate) * parameters.latency
      let n2 = (p * p).sum()
      return n2 > 0 ? p / n2.squareRoot() : SIMD3(0, 0, 1)
    }
  }

  /// True once the start-up transient is over: two accelerometer time constants since power-on
  /// or since the gyroscope last saturated.
  @inlinable public var isSettled: Bool { sinceRestart >= 2 * parameters.accTimeConstant }

  @inlinable public var status: Status {
    if !isSettled { return elapsed > sinceRestart ? .recovering : .startingUp }
    return isResting ? .resting : .moving
  }

  /// True while the sensor is detected at rest.
  @inlinable public var isResting: Bool { quietTime >= parameters.restMinDuration }

  /// True once the bias has been averaged over at least one rest time constant of detected rest,
  /// or learnt in motion for three motion time constants.
  @inlinable public var isBiasCalibrated: Bool {
    restTimeTotal >= parameters.biasTimeConstantRest
      || elapsed >= 3 * parameters.biasTimeConstantMotion
  }

  /// Gyroscope bias estimate in the sensor frame, rad/s (subtracted from the gyroscope).
  @inlinable public var bias: SIMD3<Double> { biasState }

  /// Time (s) since the first sample.
  @inlinable public var elapsedTime: Double { elapsed }

  @usableFromInline mutating func updateCoefficients(dt: Double) {
    coeffDt = dt
    // Start-up ramp: the time constant grows with the elapsed time so the first estimate comes
    // from a short average, then settles at the configured value.
    var tau = max(Self.startTimeConstant, min(parameters.accTimeConstant, sinceRestart))
    // After a long gap: a short fixed time constant first (a ramp from it would leave a slowly
    // fading tail of the missed turn), then the ramp on from there.
    if catchingUp && sinceRestart < Self.catchUpSeconds { tau = Self.catchUpTimeConstant }
    // Second-order Butterworth: ωc = √2/τ (τ matches a first-order filter's DC delay), ζ = 1/√2.
    // A gap in the data (dt ≫ 1/rate) must not destabilise the explicit integration: the
    // low-pass advances by at most τ/20 per sample.
    filterDt = min(dt, 0.05 * tau)
    let wc = 2.0.squareRoot() / tau
    kSpring = wc * wc * filterDt
    kDamp = 1 - 2.0.squareRoot() * wc * filterDt
    let tauR = min(tau, parameters.accTimeConstantRest)
    filterDtRest = min(dt, 0.05 * tauR)
    let wcR = 2.0.squareRoot() / tauR
    kSpringRest = wcR * wcR * filterDtRest
    kDampRest = 1 - 2.0.squareRoot() * wcR * filterDtRest
    kRest = min(1, dt / Self.restFilterTau)
    kBiasRest = min(1, dt / parameters.biasTimeConstantRest)
    kBiasMotion = 1 / parameters.biasTimeConstantMotion
    turnClip = parameters.maxBias * dt
  }

  /// The readings stopped for a while: the low-pass catches up with the accelerometer on a short
  /// time constant (`catchUpTimeConstant`), then settles as after power-on. The bias is kept.
  public mutating func motionUnknown() {
    sinceRestart = 0
    coeffDt = -1
    catchingUp = true
  }

  /// Processes one sample: gyroscope `gyr` (rad/s), accelerometer `acc` (m/s²), both in the
  /// sensor frame, `dt` seconds after the previous one.
  @inlinable @inline(__always)
  public mutating func update(gyr: SIMD3<Double>, acc: SIMD3<Double>, dt: Double) {
    // One non-finite value would poison the state for good: such a sample is skipped.
    guard dt > 0, ((gyr * gyr).sum() + (acc * acc).sum() + dt).isFinite else { return }
    if !started {
      started = true
      lowPass = acc
      restAccLP = acc
      restGyrLP = gyr
      if (acc * acc).sum() == 0 { lowPass = SIMD3(0, 0, 1) }
    }
    let m = parameters.gyroSaturation
    if abs(gyr.x) >= m || abs(gyr.y) >= m || abs(gyr.z) >= m { sinceRestart = 0 }
    if dt != coeffDt || sinceRestart < parameters.accTimeConstant {
      updateCoefficients(dt: dt)
    }
    elapsed += dt
    sinceRestart += dt
    if catchingUp && sinceRestart >= max(parameters.accTimeConstant, Self.catchUpSeconds) {
      catchingUp = false
      coeffDt = -1
    }

    // Rest detection.
    restGyrLP += (gyr - restGyrLP) * kRest
    restAccLP += (acc - restAccLP) * kRest
    let dg = gyr - restGyrLP
    let da = acc - restAccLP
    let turn = restGyrLP - biasState
    let turnLimit2 = isBiasCalibrated ? restGyr2 : 3 * parameters.maxBias * parameters.maxBias
    if (dg * dg).sum() < restGyr2 && (da * da).sum() < restAcc2 && (turn * turn).sum() < turnLimit2 {
      quietTime += dt
    } else {
      quietTime = 0
    }
    let resting = quietTime >= parameters.restMinDuration

    // Turn the filter's state with the sensor: an earth-fixed vector u obeys u̇ = u × ω in the
    // sensor frame. Second order for the output (its direction is the estimate), first order for
    // the small rate vector.
    rate = gyr - biasState
    let theta = rate * dt
    let c = crossProduct(lowPass, theta)
    let y = lowPass + c + 0.5 * crossProduct(c, theta)
    var v = lowPassRate + crossProduct(lowPassRate, theta)

    // Inertial-frame low-pass step (semi-implicit Euler of ÿ = ωc²(a − y) − 2ζωc ẏ).
    let step: SIMD3<Double>
    if resting {
      v = v * kDampRest + (acc - y) * kSpringRest
      step = v * filterDtRest
    } else {
      v = v * kDamp + (acc - y) * kSpring
      step = v * filterDt
    }
    lowPass = y + step
    lowPassRate = v

    var bias = biasState
    if resting {
      // Until the first calibration is complete the bias is the plain mean of the rest samples
      // (nothing better is known); then an exponential average that can follow slow drift.
      restTimeTotal += dt
      bias += (gyr - bias) * max(kBiasRest, dt / restTimeTotal)
    } else if catchingUp {
      // The corrections now are the missed turn, not a bias.
    } else {
      // The filter turned its output by ρ = y × step / |y|² (small angle) beyond the gyroscope;
      // a bias error δ needs ρ ≈ δ·dt on average, so ρ/dt observes δ across `up`.
      // A tap or a bump can turn the output sharply for a moment: credit at most the largest
      // plausible bias to the estimate.
      let yy = (y * y).sum()
      if yy > 0 {
        let rho = clip(crossProduct(y, step) / yy, turnClip)
        bias += rho * kBiasMotion
      }
    }
    biasState = clip(bias, parameters.maxBias)
  }
}

/// Each component limited to ±limit (scalar min/max: the generic SIMD `clamped` is not inlined).
@inlinable @inline(__always)
func clip(_ v: SIMD3<Double>, _ limit: Double) -> SIMD3<Double> {
  SIMD3(
    Swift.min(Swift.max(v.x, -limit), limit), Swift.min(Swift.max(v.y, -limit), limit),
    Swift.min(Swift.max(v.z, -limit), limit))
}

@inlinable @inline(__always)
func crossProduct(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
  SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
