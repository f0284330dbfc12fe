/// Finds reps, holds and breath steps in a stream of (t, θ), causally, as exercise-model.md defines
/// them. Works on θ in degrees or, with `DetectorConfig.load()`, on the elbow force in newtons.
///
/// How (details in docs/detection.md): samples are averaged into fixed time bins (0.05 s), so every
/// rate from 50 to 400 Hz gives the same series; a 0.3 s centred mean (0.15 s delay) removes noise
/// and tremor. A rep runs from the rise through the threshold to the fall back through it. Inside a
/// rep the signal is either moving (a transit) or on a plateau: a transit comes to rest when its
/// slope is calm relative to its own speed or it turns back; a plateau continues while the smoothed
/// signal stays within a band around its centre that allows for the breathing seen (tighter upward,
/// so breath steps get out) and its speed stays low; its end is back-dated to where the move began.
/// A plateau of at least 2 s is a hold. A breath step is a rise of ≥ 1° between the means of
/// consecutive holds at most 4.5 s apart, or a little less when the level the breathing returns
/// to rose too; a plateau whose exhales come to end higher from one breath on is split there as it
/// closes.
/// Memory is fixed (rings of ~100 s at the bin rate); nothing allocates per sample (the result
/// lists grow only when an event is found).
public struct ExerciseDetector: Sendable {
  public let config: DetectorConfig

  /// Finished reps, holds and breath steps so far (holds and steps of a rep still running are
  /// included once they are closed; they are withdrawn if the rep turns out not to be one).
  public private(set) var reps: [RepRecord] = []
  public private(set) var holds: [HoldRecord] = []
  public private(set) var breathSteps: [BreathStepRecord] = []
  /// Events that did not fit the per-sample batches and were dropped (0 in practice).
  public var droppedEvents: Int { events.dropped }
  /// Gaps bridged by interpolation (of them, those over `reportedBridgedGapSeconds`) and gaps
  /// long enough to reset the detector.
  public private(set) var bridgedGaps = 0
  public private(set) var longBridgedGaps = 0
  public private(set) var resetGaps = 0

  private var events = BoundedQueue<DetectionEvent>(capacity: 64)

  // Bins and histories (indexed by absolute bin number).
  private let bin: Double
  private let half: Int
  private let slopeBins: Int
  private let oneSecondBins: Int
  private var x: IndexedRing
  private var z: IndexedRing
  private var loadRing: IndexedRing
  private var lumbarRing: IndexedRing
  private var curBin = 0
  private var lastT = 0.0
  private var hasBin = false
  private var firstBin = 0
  private var lastFinal = -1
  private var lastProcessed = -1
  private var sum = 0.0, count = 0
  private var loadSum = 0.0, loadCount = 0
  private var lumbarSum = 0.0, lumbarCount = 0

  // Rep state.
  private var inRep = false
  private var repConfirmed = false
  private var repStart = 0.0
  private var repPeak = 0.0
  private var endCandidate: Double? = nil
  private var endCandidateIndex = 0
  private var repFirstHold = 0
  private var repFirstStep = 0
  // Withdrawn while still open: the rep in progress is withdrawn when it ends.
  private var withdrawWhenEnded: ClosedRange<Double>? = nil

  // Transit / plateau state.
  private enum Phase { case none, transit, holding }
  private var phase = Phase.none
  private var transitUp = true
  private var ext = 0.0
  private var extIndex = 0
  private var plateau = Plateau()

  private struct Plateau {
    var startIndex = 0
    var n = 0
    var sx = 0.0
    var sxx = 0.0
    var zMin = 0.0
    var zMax = 0.0
    var lumbarSum = 0.0
    var lumbarN = 0
    var upCount = 0
    var fastCount = 0
    var downCount = 0
    var announced = false
    var firstLoad = Double.nan
    var firstLevel = Double.nan
    var minLevel = Double.infinity
    /// How far its exhales may drop from its first second without a sink: the breathing's swing
    /// known before it (set when it closes).
    var sinkAllowance = 0.0
    // Its floor, set when it closes, over its own span (from ½ s after its start to its end; read
    // while it closes) and over its last 4 s (read as the previous hold): the lowest point and the
    // lowest one-second mean.
    var floorPoint = Double.nan
    var floorMean = Double.nan
    var endFloorPoint = Double.nan
    var endFloorMean = Double.nan
    var stepIndex: Int? = nil
    // The bin where the step into this plateau crossed its middle inside the previous hold (that
    // hold's band took in most of a slow rise): the hold is cut back to the rise's start once the
    // step stands, as this plateau closes (−1: none).
    var riseInsidePrevious = -1
    // The exit test uses the plateau as it was 1 s ago, so a departure does not widen its own band;
    // from `bandFrom` on (its start, or where the force last rose to a new level).
    var bandFrom = 0
    var recentred = false
    var swingBefore = 0.0
    var lagN = 0
    var lagMin = Double.infinity
    var lagMax = -Double.infinity
    // The movement that led to this plateau (for the rescue of a plateau measured too short).
    var transitStart = 0
    var fromUp = true
    var mean: Double { n > 0 ? sx / Double(n) : 0 }
  }

  private var pendingKeptStep: Int? = nil
  /// The last plateau piece too short to be a hold, and the last hold's plateau, in this rep: a
  /// plateau that continues one of them at the same height (less than 0.6 of a breath step away)
  /// is the same plateau, interrupted by breathing that left the band for a moment.
  private var lastPiece: Plateau? = nil
  private var lastPieceEnd = 0
  private var lastHoldPlateau: Plateau? = nil
  private var lastHoldEnd = 0
  /// The breathing swing (peak to peak) the session's plateaus have shown: a new plateau's exit
  /// band allows for it until the plateau has shown its own.
  private var rippleSwing: Double
  /// The largest speed the breathing gave on the session's plateaus (unit/s).
  private var rippleSpeed: Double
  private var transitStartIndex = 0
  private var transitPeakSpeed = 0.0

  public init(config: DetectorConfig = .angle) {
    self.config = config
    bin = config.binSeconds > 0 ? config.binSeconds : 0.05
    half = max(1, Int((0.15 / bin).rounded()))
    slopeBins = max(3, Int((0.4 / bin).rounded()) + 1)
    oneSecondBins = max(1, Int((1.0 / bin).rounded()))
    rippleSwing = 1.6 * config.holdExitMin
    // Until a plateau has shown it: a moderate breathing (±0.4° at 0.25 Hz).
    rippleSpeed = 0.6 * config.holdExitMin
    let cap = Int((100.0 / bin).rounded())
    x = IndexedRing(minimumCapacity: cap)
    z = IndexedRing(minimumCapacity: cap)
    loadRing = IndexedRing(minimumCapacity: cap)
    lumbarRing = IndexedRing(minimumCapacity: cap)
  }

  // MARK: Input

  /// One sample: time (s), the signal (θ in degrees, or force for the load-only detector), and,
  /// when present, the elbow force (N, for the traction drive) and the lumbar angle (degrees).
  /// Non-finite values and times beyond `Sample.timeLimitSeconds` are skipped; a time that does
  /// not advance past the current bin's start is ignored.
  /// - Parameter silentSeconds: the longest the sensor itself said nothing since the last push,
  ///   when the caller held readings back (an estimator settling after a gap): whether a gap is
  ///   bridged or reported is judged by it, not by the time between pushes.
  public mutating func push(
    t: Double, value: Double, load: Double? = nil, lumbar: Double? = nil,
    silentSeconds: Double? = nil
  ) {
    guard abs(t) < Sample.timeLimitSeconds, value.isFinite else { return }
    let k = Int((t / bin).rounded(.down))
    if !hasBin {
      hasBin = true
      curBin = k
      firstBin = k
      lastFinal = k - 1
      lastProcessed = k - 1
    }
    if k < curBin { return }
    if k > curBin {
      let lastX = sum / Double(max(count, 1))
      let lastLoad = loadCount > 0 ? loadSum / Double(loadCount) : Double.nan
      let lastLumbar = lumbarCount > 0 ? lumbarSum / Double(lumbarCount) : Double.nan
      finalizeBin()
      let missing = k - curBin - 1
      // The gap's length is the time between the two samples (whole empty bins understate it);
      // the sensor's own silence decides whether it is bridged.
      let gapSeconds = t - lastT
      let silent = silentSeconds ?? gapSeconds
      if missing > 0 {
        if silent <= config.maxBridgedGapSeconds {
          bridgedGaps += 1
          // Up to 2 s a gap is interpolated: readings lost in a smooth movement. Over 2 s the
          // breathing goes on unseen:
          // - a change no larger than the breathing's largest swing (the spec's ±0.8°) is the
          //   hold going on: its level holds and the change comes at the gap's end, an
          //   interruption the hold outlasts (a ramp from one breath's phase to another's would
          //   read as a slow rise out of the hold). The level is the plateau's mean once it has
          //   lasted a second (the breathing averaged out), else the last reading (a longer mean
          //   would reach back into the move that led there);
          // - a larger change is a move made meanwhile: a ramp over the gap's middle, at least as
          //   long as a move (1.5 s), between levels held at most 1.5 s, so neither end becomes a
          //   hold of its own.
          let long = gapSeconds > config.reportedBridgedGapSeconds
          let from = long && phase == .holding && plateau.n >= oneSecondBins ? plateau.mean : lastX
          let holdsOn = long && abs(value - from) <= 1.6 * config.holdExitMin
          let flat = long ? min(1.5, (gapSeconds - 1.5) / 2) / gapSeconds : 0
          if silent > config.reportedBridgedGapSeconds { longBridgedGaps += 1 }
          for m in 1...missing {
            let linear = Double(m) / Double(missing + 1)
            let w = holdsOn ? 0 : min(1, max(0, (linear - flat) / (1 - 2 * flat)))
            let idx = curBin + m
            x[idx] = from + (value - from) * w
            loadRing[idx] = interpolate(lastLoad, load, w)
            lumbarRing[idx] = interpolate(lastLumbar, lumbar, w)
            lastFinal = idx
            processReady()
          }
        } else {
          resetGaps += 1
          flush(cut: true)
          firstBin = k
          lastFinal = k - 1
          lastProcessed = k - 1
        }
      }
      curBin = k
    }
    lastT = t
    sum += value
    count += 1
    if let l = load, l.isFinite {
      loadSum += l
      loadCount += 1
    }
    if let l = lumbar, l.isFinite {
      lumbarSum += l
      lumbarCount += 1
    }
  }

  /// Moves the events found so far into `batch` (as many as fit).
  public mutating func drainEvents(into batch: inout EventBatch) {
    while batch.count < EventBatch.capacity, let e = events.pop() {
      batch.append(e)
    }
  }

  /// Ends the stream: processes what is still buffered and closes a rep still running (marked
  /// `cutShort`). The results are then final.
  public mutating func finish() {
    if hasBin && count > 0 { finalizeBin() }
    flush(cut: true)
    hasBin = false
  }

  // MARK: Bins

  private func interpolate(_ a: Double, _ b: Double?, _ w: Double) -> Double {
    guard let b, b.isFinite else { return a }
    guard a.isFinite else { return b }
    return a + (b - a) * w
  }

  private mutating func finalizeBin() {
    if count > 0 {
      x[curBin] = sum / Double(count)
    } else {
      x[curBin] = lastFinal >= firstBin ? x[lastFinal] : 0
    }
    loadRing[curBin] = loadCount > 0 ? loadSum / Double(loadCount) : .nan
    lumbarRing[curBin] = lumbarCount > 0 ? lumbarSum / Double(lumbarCount) : .nan
    sum = 0
    count = 0
    loadSum = 0
    loadCount = 0
    lumbarSum = 0
    lumbarCount = 0
    lastFinal = curBin
    processReady()
  }

  /// Runs the state machine on every bin whose centred mean is complete.
  private mutating func processReady() {
    while lastProcessed + 1 + half <= lastFinal {
      process(lastProcessed + 1)
    }
  }

  private mutating func flush(cut: Bool) {
    while lastProcessed < lastFinal {
      process(lastProcessed + 1)
    }
    if inRep {
      let j = lastProcessed
      endRep(at: time(j), index: j, cut: cut)
    }
    phase = .none
  }

  private func time(_ j: Int) -> Double { (Double(j) + 0.5) * bin }

  /// The 2 s minimum for comparing bin times: 40 bins of 0.05 s can sum to a hair under 2.0.
  private var holdMin: Double { config.holdMinSeconds - 1e-9 }

  /// The first bin at which a plateau starting at bin `s` has lasted its 2 s.
  private func holdMinEnd(from s: Int) -> Int { s + Int((config.holdMinSeconds / bin - 1e-9).rounded(.up)) }

  private mutating func process(_ j: Int) {
    lastProcessed = j
    let lo = max(firstBin, j - half)
    let hi = min(lastFinal, j + half)
    z[j] = x.mean(lo, hi)
    step(j)
  }

  /// Least-squares slope of the smoothed signal over the last 0.4 s (unit/s).
  private func slope(_ j: Int) -> Double {
    let lo = max(firstBin, j - slopeBins + 1)
    guard j - lo + 1 >= 3 else { return .infinity }
    return z.slope(lo, j) / bin
  }

  // MARK: State machine

  private mutating func step(_ j: Int) {
    let tj = time(j)
    let zj = z[j]
    let xj = x[j]
    let hasPrev = j > firstBin
    let zPrev = hasPrev ? z[j - 1] : zj
    let on = config.repThreshold
    if !inRep {
      if hasPrev && zPrev < on && zj >= on {
        inRep = true
        repConfirmed = false
        repStart = crossing(j - 1, j, on)
        repPeak = xj
        endCandidate = nil
        repFirstHold = holds.count
        repFirstStep = breathSteps.count
        pendingKeptStep = nil
        lastPiece = nil
        lastHoldPlateau = nil
        startTransit(up: true, at: j, now: j)
      }
      return
    }
    repPeak = max(repPeak, xj)
    if zj < on {
      if endCandidate == nil {
        endCandidate = hasPrev && zPrev >= on ? crossing(j - 1, j, on) : tj
        endCandidateIndex = j
      }
      if let e = endCandidate, tj - e >= config.repEndConfirmSeconds {
        endRep(at: e, index: endCandidateIndex, cut: false)
        return
      }
    } else {
      endCandidate = nil
      if !repConfirmed && tj - repStart >= config.repMinSeconds && repPeak > config.repMinPeak {
        confirmRep(j)
      } else if !repConfirmed && time(lastFinal) - repStart >= config.repMinSeconds {
        // The newest bins (ahead of the centred mean) show the rep has lasted its 3 s: confirmed
        // 0.15 s sooner, when they are all clear of the threshold (by the hold band's 1° or 6 N).
        var low = Double.infinity
        var high = repPeak
        for k in j...lastFinal {
          low = min(low, x[k])
          high = max(high, x[k])
        }
        if low >= on + config.holdExitMin && high > config.repMinPeak { confirmRep(j) }
      }
    }
    switch phase {
    case .none:
      break
    case .transit:
      stepTransit(j)
    case .holding:
      stepHolding(j)
    }
  }

  private func crossing(_ a: Int, _ b: Int, _ level: Double) -> Double {
    let za = z[a]
    let zb = z[b]
    let ta = time(a)
    let tb = time(b)
    guard zb != za else { return tb }
    let w = min(1, max(0, (level - za) / (zb - za)))
    return ta + (tb - ta) * w
  }

  private mutating func startTransit(up: Bool, at i: Int, now j: Int) {
    phase = .transit
    transitUp = up
    transitStartIndex = i
    transitPeakSpeed = 0
    ext = z[i]
    extIndex = i
    for k in i...j {
      if up ? z[k] > ext : z[k] < ext {
        ext = z[k]
        extIndex = k
      }
      if k < j { transitPeakSpeed = max(transitPeakSpeed, (up ? 1 : -1) * localSlope(k)) }
    }
  }

  private mutating func stepTransit(_ j: Int) {
    let zj = z[j]
    if transitUp ? zj > ext : zj < ext {
      ext = zj
      extIndex = j
    }
    let sign = transitUp ? 1.0 : -1.0
    if j - 1 >= transitStartIndex {
      transitPeakSpeed = max(transitPeakSpeed, sign * localSlope(j - 1))
    }
    guard j - firstBin >= slopeBins else { return }
    // Calm relative to the movement: a slow breath step is over when it has slowed, not at once.
    let calmLimit = min(
      config.calmSlope, max(0.25 * config.calmSlope, 0.35 * transitPeakSpeed))
    let calm = abs(slope(j)) < calmLimit
    let turned = transitUp ? zj < ext - config.retreat : zj > ext + config.retreat
    if calm || turned {
      // The plateau began where the movement slowed to a quarter of its speed (a slow creep to
      // the extreme or a breath on top of it belongs to the plateau).
      let threshold = min(
        0.7 * transitPeakSpeed,
        max(0.25 * config.calmSlope, 0.12 * transitPeakSpeed, 0.7 * rippleSpeed))
      var s = min(extIndex, j)
      while s > transitStartIndex && sign * localSlope(s - 1) < threshold { s -= 1 }
      let from = transitStartIndex
      beginPlateau(at: s, now: j)
      plateau.transitStart = from
      plateau.fromUp = transitUp
    }
  }

  private mutating func beginPlateau(at s: Int, now j: Int) {
    phase = .holding
    plateau = Plateau()
    plateau.startIndex = s
    plateau.bandFrom = s
    plateau.zMin = z[s]
    plateau.zMax = z[s]
    for i in s...j { addToPlateau(i) }
  }

  private mutating func addToPlateau(_ i: Int) {
    let xi = x[i]
    plateau.n += 1
    plateau.sx += xi
    plateau.sxx += xi * xi
    plateau.zMin = min(plateau.zMin, z[i])
    plateau.zMax = max(plateau.zMax, z[i])
    let li = lumbarRing[i]
    if li.isFinite {
      plateau.lumbarSum += li
      plateau.lumbarN += 1
    }
    // One-second levels: the first one, and the lowest one, for the kept exhale.
    let s = plateau.startIndex
    if i - s + 1 >= oneSecondBins {
      let level = x.mean(i - oneSecondBins + 1, i)
      if i - s + 1 == oneSecondBins {
        plateau.firstLevel = level
        plateau.firstLoad = meanLoad(s, i)
      }
      plateau.minLevel = min(plateau.minLevel, level)
    }
  }

  private func meanLoad(_ a: Int, _ b: Int) -> Double {
    var acc = 0.0
    var n = 0
    for k in a...b {
      let l = loadRing[k]
      if l.isFinite {
        acc += l
        n += 1
      }
    }
    return n > 0 ? acc / Double(n) : .nan
  }

  private mutating func stepHolding(_ j: Int) {
    addToPlateau(j)
    let lagged = j - oneSecondBins
    if lagged >= plateau.bandFrom {
      let zl = z[lagged]
      plateau.lagN += 1
      // The first moments still carry the end of the movement: not breathing.
      if lagged - plateau.bandFrom >= oneSecondBins / 4 {
        plateau.lagMin = min(plateau.lagMin, zl)
        plateau.lagMax = max(plateau.lagMax, zl)
      }
    }
    let zj = z[j]
    // The centre: the running mean at first; once the plateau has a second of history (1 s
    // behind), the middle of its range then, which a breathing ripple does not bias.
    let useLag = plateau.lagN >= oneSecondBins
    let mu =
      useLag
      ? (plateau.lagMax + plateau.lagMin) / 2
      : plateau.recentred ? z.mean(plateau.bandFrom, j) : plateau.mean
    let own = useLag ? plateau.lagMax - plateau.lagMin : plateau.swingBefore
    // After 5 s the plateau has shown its own breathing (half a period of the slowest).
    let age = time(j) - time(plateau.startIndex)
    let swing = age >= 6 ? own : max(own, rippleSwing)
    // Upward the band is tight (a breath step of 1° must get out); downward it is wider, as an
    // exhale may sink a little without ending the plateau.
    let m = config.holdExitMin
    // The floor (0.8°) guards a plateau whose breathing is not known yet; after 6 s it has shown
    // its own, and a 0.5° floor lets a breath step out sooner where that breathing is shallow.
    var up = min(max((age >= 6 ? 0.5 : 0.8) * m, 0.5 * swing + 0.3 * m), config.holdExitMax)
    var down = min(max(1.2 * m, 0.5 * swing + 0.7 * m), config.holdExitMax)
    // Its first seconds give the plateau's centre only roughly: a wider band then.
    if time(j) - time(plateau.startIndex) < 3.5 {
      up += 0.3 * m
      down += 0.3 * m
    }
    // Upward, the newest bins (their 0.15 s mean, ahead of the centred mean) count too: a breath
    // step is out of the band 0.1 s sooner. (Downward the lowering has its own fast tests below.)
    let (vLead, zLead) = leadSlopeAndLevel()
    if max(zj, vLead > 0 ? zLead : zj) > mu + up {
      plateau.upCount += 1
      plateau.downCount = 0
    } else if zj < mu - down {
      plateau.downCount += 1
      plateau.upCount = 0
    } else {
      plateau.upCount = 0
      plateau.downCount = 0
    }
    let exitBins = max(1, Int((0.15 / bin).rounded()))
    // A fast move leaves at once, before it is out of the band: the angular speed is part of
    // what a hold is. Fast means well above what breathing gives (2.5°/s at most by the spec,
    // or what this plateau or the session has shown). Speed that far above breathing's, away
    // from the centre in its own direction, is certain sooner than a level: 0.1 s of it ends
    // the plateau (0.15 s for the band), which keeps a lowering's end within 0.5 s.
    let fastBins = max(1, Int((0.1 / bin).rounded()))
    let v = localSlope(j)
    let breathing = age >= 2.5 ? breathingSpeed(upTo: j - oneSecondBins) : nil
    let fastAny = max(3 * m, 1.5 * (breathing ?? max(rippleSpeed, 2.5 * m)))
    var fast = fastAny
    // Upward on a settled plateau (3.5 s), twice the breathing's speed (this plateau's after 6 s,
    // else at least the session's) is enough, down to 1.5°/s: a breath step of 2° in 1 s leaves
    // 0.2 s sooner. Not downward, where an exhale sinking into the lowering is the risk.
    if zj > mu && age >= 3.5 {
      let ref = age >= 6 ? (breathing ?? rippleSpeed) : max(breathing ?? 0, rippleSpeed)
      fast = min(fast, max(1.5 * m, 2 * ref))
    }
    // A move well above breathing's speed is also seen on the newest bins (the centred mean runs
    // 0.15 s behind): that fast, it is far above noise and tremor even unsmoothed. (Not for the
    // lower threshold of a rise: there the unsmoothed slope would depend on the sample rate.)
    let leadFast =
      abs(vLead) > fastAny && abs(zLead - mu) > 0.4 * m && (vLead > 0) == (zLead > mu)
    // Downward, below the breathing's trough and sinking faster than the breathing: a lowering
    // that starts gently is out before it reaches the fast speed.
    let breathDown = breathing ?? rippleSpeed
    let sinking =
      useLag && age >= 2.5 && zLead < mu - (0.5 * swing + 0.3 * m)
      && vLead < -max(1.5 * m, 1.2 * breathDown)
    let vFast = leadFast || sinking ? vLead : v
    if leadFast || sinking || (abs(v) > fast && abs(zj - mu) > 0.4 * m && (v > 0) == (zj > mu)) {
      plateau.fastCount += 1
    } else {
      plateau.fastCount = 0
    }
    if plateau.fastCount >= fastBins {
      if vFast > 0 {
        plateau.upCount = exitBins
      } else {
        plateau.downCount = exitBins
      }
    }
    if plateau.upCount >= exitBins && !config.risesEndHolds {
      // The hold goes on at the higher level: its band is measured from here.
      plateau.bandFrom = j
      plateau.recentred = true
      // Its ripple so far stands until the new level has shown its own.
      if plateau.lagMax >= plateau.lagMin {
        plateau.swingBefore = max(plateau.swingBefore, plateau.lagMax - plateau.lagMin)
      }
      plateau.lagN = 0
      plateau.lagMin = .infinity
      plateau.lagMax = -.infinity
      plateau.upCount = 0
      plateau.fastCount = 0
    }
    // An announced hold keeps its 2 s: announced from the newest bins, it may be left a moment
    // before the centred mean has reached them.
    let minEnd = holdMinEnd(from: plateau.startIndex)
    if (plateau.upCount >= exitBins || plateau.downCount >= exitBins)
      && !(plateau.announced && j < minEnd)
    {
      let up = plateau.upCount >= exitBins
      // Left on the lower upward speed: the move has shown only its start, so back-dating on
      // its speed alone could run back through a slow inhale before it.
      let early = up && plateau.fastCount >= fastBins && abs(v) <= fastAny
      let e = backdate(up: up, from: j, within: early ? 1.2 : 5.0)
      closePlateau(endIndex: e, lastAdded: j, endedDown: !up)
      startTransit(up: up, at: e, now: j)
      return
    }
    let start = time(plateau.startIndex)
    // Announced when the newest bins show 2 s inside the band, not 0.15 s later when the centred
    // mean gets there (an end in those 0.15 s is not back-dated below the 2 s, see `backdate`).
    let leadInBand = zLead <= mu + up && zLead >= mu - down
    if !plateau.announced && repConfirmed && endCandidate == nil
      && (time(j) - start >= holdMin || (leadInBand && time(lastFinal) - start >= holdMin))
    {
      announcePlateau(j)
    }
  }

  /// Least-squares slope (unit/s) of the newest 0.3 s of bins, and the mean of the newest 0.15 s:
  /// what the signal does now, ahead of the centred mean.
  private func leadSlopeAndLevel() -> (Double, Double) {
    let n = max(3, Int((0.3 / bin).rounded()))
    let lo = max(firstBin, lastFinal - n + 1)
    guard lastFinal - lo + 1 >= 3 else { return (0, x[lastFinal]) }
    let m = max(1, Int((0.15 / bin).rounded()))
    let levelLo = max(firstBin, lastFinal - m + 1)
    return (x.slope(lo, lastFinal) / bin, x.mean(levelLo, lastFinal))
  }

  /// The oldest bin a plateau's history is read from: 60 s before the newest (the rings hold
  /// ~100 s; a plateau can last minutes, and the first part of a split one ends long before the
  /// newest bin), so no bin read has been overwritten by the ones since.
  private var oldestRead: Int {
    lastFinal - min(60 * oneSecondBins, x.capacity * 3 / 5)
  }

  /// Slope of the smoothed signal around bin i over ±0.1 s (unit/s), within what is known.
  private func localSlope(_ i: Int) -> Double {
    let w = max(1, Int((0.1 / bin).rounded()))
    let a = max(firstBin, i - w)
    let b = min(lastProcessed, i + w)
    guard b > a else { return 0 }
    return (z[b] - z[a]) / (Double(b - a) * bin)
  }

  /// The largest speed on the current plateau from 0.5 s after its start to `upTo` (from
  /// `oldestRead` on): the breathing's speed, when that stretch lasts at least a second.
  private func breathingSpeed(upTo: Int) -> Double? {
    let base = plateau.recentred ? plateau.bandFrom : plateau.startIndex
    let from = max(base + oneSecondBins / 2, oldestRead)
    guard upTo - from >= oneSecondBins else { return nil }
    var m = 0.0
    for i in from...upTo { m = max(m, abs(localSlope(i))) }
    return m
  }

  /// Where the movement that left the plateau began: going back from the exit (at most `seconds`),
  /// the first point where the movement's speed falls below 12% of its speed near the exit (and
  /// below the breathing's speed at least), so slow breathing ripple before it is not taken for
  /// the movement.
  private func backdate(up: Bool, from j: Int, within seconds: Double) -> Int {
    let sign = up ? 1.0 : -1.0
    let recent = max(1, Int((0.3 / bin).rounded()))
    var peak = 0.0
    var peakIndex = j
    for i in max(plateau.startIndex, j - recent)...j {
      let v = sign * localSlope(i)
      if v > peak {
        peak = v
        peakIndex = i
      }
    }
    let own = breathingSpeed(upTo: j - Int((2.5 / bin).rounded()))
    let ripple = own ?? rippleSpeed
    // Down (lowering), the move is not back-dated past where its speed exceeds the breathing's
    // own: an exit seen early (0.1 s of fast move) knows only the start of the move's speed, and
    // an exhale running into the lowering would otherwise cut the hold short.
    let rippleShare = up ? 0.7 : 1.0
    let threshold = min(
      0.7 * peak, max(0.25 * config.calmSlope, 0.12 * peak, rippleShare * ripple))
    let limit = max(plateau.startIndex, j - Int((seconds / bin).rounded()))
    // From the fastest point of the move (an exit seen at its top, where it has slowed, would
    // otherwise not be back-dated at all).
    var i = sign * localSlope(j - 1) >= threshold ? j : min(j, peakIndex + 1)
    while i > limit && sign * localSlope(i - 1) >= threshold { i -= 1 }
    // A plateau that was steady for its 2 s stays a hold: breathing that rose into the move does
    // not take it back below that.
    if plateau.announced {
      i = max(i, min(j, holdMinEnd(from: plateau.startIndex)))
    }
    return i
  }

  /// The plateau has lasted 2 s inside a confirmed rep: announce it (and a breath step into it).
  /// Joins a short piece just before the plateau, when it is at the same height.
  private mutating func absorbShortPiece() {
    guard let piece = lastPiece else { return }
    lastPiece = nil
    guard lastPieceEnd >= plateau.transitStart - 1,
      time(plateau.startIndex) - time(lastPieceEnd) <= 2.0,
      abs(plateau.mean - piece.mean) < 0.6 * config.stepMinRise
        || (plateau.mean > piece.zMin && plateau.mean < piece.zMax)
    else { return }
    for k in piece.startIndex..<plateau.startIndex { addSums(k) }
    startEarlier(at: piece.startIndex)
  }

  /// Moves the plateau's start back to `s` (its sums already include the bins between): its
  /// first second and its lowest one-second level, for the kept exhale, are then read from there.
  /// (A step hold whose chest sank on the exhale may be found after the sink and joined to the
  /// piece before it: its first second is then where the step brought it.)
  private mutating func startEarlier(at s: Int) {
    let old = plateau.startIndex
    guard s < old else { return }
    plateau.startIndex = s
    let w = oneSecondBins
    plateau.firstLevel = x.mean(s, s + w - 1)
    for i in (s + w - 1)..<(old + w - 1) {
      plateau.minLevel = min(plateau.minLevel, x.mean(i - w + 1, i))
    }
  }

  private mutating func addSums(_ k: Int, sign: Double = 1) {
    let xk = x[k]
    plateau.n += sign > 0 ? 1 : -1
    plateau.sx += sign * xk
    plateau.sxx += sign * xk * xk
    let lk = lumbarRing[k]
    if lk.isFinite {
      plateau.lumbarSum += sign * lk
      plateau.lumbarN += sign > 0 ? 1 : -1
    }
  }

  private mutating func announcePlateau(_ j: Int) {
    absorbShortPiece()
    plateau.announced = true
    let index = holds.count
    let isFirst = holds.count == repFirstHold
    if !isFirst, let prev = holds.last {
      checkBreathStep(prev: prev, holdIndex: index, mean: plateau.mean, now: j)
    }
    let kind: HoldKind = isFirst ? .traction : .step
    let hold = Hold(
      start: time(plateau.startIndex), end: time(j), kind: kind, meanDeg: plateau.mean)
    events.push(.holdStarted(index: index, hold: hold))
  }

  private mutating func checkBreathStep(
    prev: HoldRecord, holdIndex: Int, mean: Double, now j: Int, closing: Bool = false
  ) {
    guard plateau.stepIndex == nil else { return }
    let rise = mean - prev.hold.meanDeg
    let gap = time(plateau.startIndex) - prev.hold.end
    // No lower bound on the gap: the plateaus' bands take in the start and the end of a slow, small
    // rise, so the gap between them is often much shorter than the rise (0.3 s for a 1.6° rise over
    // 2.5 s). Fast level changes that are not steps (a tap, a cough) do not last.
    guard rise >= config.stepMinRise || (closing && exhaleEndsHigher(rise: rise)),
      gap <= config.stepMaxSeconds
    else { return }
    // The middle of the rise: where the smoothed signal crosses halfway between the plateaus.
    let midLevel = prev.hold.meanDeg + rise / 2
    let a = max(firstBin, Int((prev.hold.end / bin).rounded(.down)))
    let b = plateau.startIndex
    let middle = (prev.hold.end + time(b)) / 2
    var t = middle
    var found = false
    if a < b {
      // Breathing may cross the halfway level more than once: the crossing nearest the middle of
      // the movement.
      var best = Double.infinity
      for i in a..<b where z[i] < midLevel && z[i + 1] >= midLevel {
        let c = crossing(i, i + 1, midLevel)
        if abs(c - middle) < best {
          best = abs(c - middle)
          t = c
          found = true
        }
      }
    }
    if !found && gap < 1 {
      // A gap this short means the earlier plateau's band took in most of the rise: it crossed the
      // halfway level before that plateau's end. The last upward crossing up to 2 s before.
      var i = b - 1
      let lo = max(firstBin, oldestRead, a - 2 * oneSecondBins)
      while i >= lo {
        if z[i] < midLevel && z[i + 1] >= midLevel {
          t = crossing(i, i + 1, midLevel)
          break
        }
        i -= 1
      }
      // The crossing lies inside the earlier hold: its band took in most of a slow rise, which
      // is no part of a hold ("keeps the chest at one height"). It will end where the rise began.
      if i >= lo, prev.hold.end - t >= bin { plateau.riseInsidePrevious = i }
    }
    let step = BreathStep(t: t, riseDeg: rise)
    plateau.stepIndex = breathSteps.count
    breathSteps.append(
      BreathStepRecord(step: step, repIndex: reps.count, holdIndex: holdIndex))
    if repConfirmed {
      // The previous step's exhale is now settled: this step came.
      if let p = pendingKeptStep, let kept = breathSteps[p].keptExhale {
        events.push(.exhaleResult(index: p, kept: kept))
      }
      pendingKeptStep = nil
      events.push(.breathStep(index: breathSteps.count - 1, step: step))
    }
  }

  /// Ends the last hold where the rise through bin `i` began (the last trough before it), and
  /// measures it again over what is left, when that is still a hold's 2 s and its bins are still
  /// in the history. Announces the new end with a second `holdEnded`.
  private mutating func trimLastHold(toRiseBefore i: Int) {
    guard let last = holds.indices.last else { return }
    let old = holds[last]
    let first = Int((old.hold.start / bin - 0.5).rounded())
    var k = i
    while k > first && z[k - 1] < z[k] { k -= 1 }
    guard first >= oldestRead, k > first, time(k) - old.hold.start >= holdMin,
      time(k) < old.hold.end
    else { return }
    var sum = 0.0
    var squares = 0.0
    var lumbarSum = 0.0
    var lumbarN = 0
    for j in first...k {
      sum += x[j]
      squares += x[j] * x[j]
      if lumbarRing[j].isFinite {
        lumbarSum += lumbarRing[j]
        lumbarN += 1
      }
    }
    let n = Double(k - first + 1)
    let mean = sum / n
    var record = old
    record.hold.end = time(k)
    record.hold.meanDeg = mean
    record.sdDeg = max(0, squares / n - mean * mean).squareRoot()
    if lumbarN > 0 { record.lumbarMeanDeg = lumbarSum / Double(lumbarN) }
    if let firstLoad = lastHoldPlateau?.firstLoad, firstLoad.isFinite, old.tractionDriveN != nil {
      let lastLoad = meanLoad(max(first, k - oneSecondBins + 1), k)
      if lastLoad.isFinite { record.tractionDriveN = lastLoad - firstLoad }
    }
    holds[last] = record
    // The step into this hold rose to its new mean.
    if last > 0, let s = breathSteps.lastIndex(where: { $0.holdIndex == last }) {
      breathSteps[s].step.riseDeg = mean - holds[last - 1].hold.meanDeg
    }
    if repConfirmed { events.push(.holdEnded(index: last, record: record)) }
  }

  /// A rise of the plateaus' means a little short of a breath step (`nearStep`) is one when the
  /// level the breathing returns to rose too: a partial breath at either plateau's edge biases a
  /// mean by up to half the ripple, the end of its exhales does not.
  private var nearStep: Double { 0.7 * config.stepMinRise }
  /// How much higher the breathing's lowest level must be (80% of a step).
  private var floorRise: Double { 0.8 * config.stepMinRise }

  /// How far the closing plateau's floor lies above the last hold's as it ended (its last 4 s: a
  /// long hold may have drifted since its lowest point): of the lowest points and the lowest
  /// one-second means, whichever rose less (a brief dip as a rise settles is not an exhale).
  private func floorJump() -> Double? {
    guard let prev = lastHoldPlateau, holds.count > repFirstHold else { return nil }
    let jump = min(plateau.floorMean - prev.endFloorMean, plateau.floorPoint - prev.endFloorPoint)
    return jump.isFinite ? jump : nil
  }

  /// Sets the plateau's floors (the bins after its end `e`, already part of the next move, and the
  /// settling of the move before it, its first ½ s, are left out; of a plateau longer than the
  /// history, the bins from `oldestRead` on).
  private mutating func measureFloor(to e: Int) {
    let a = max(plateau.startIndex + oneSecondBins / 2, oldestRead)
    (plateau.floorPoint, plateau.floorMean) = floor(from: a, to: e)
    (plateau.endFloorPoint, plateau.endFloorMean) = floor(from: max(a, e - 4 * oneSecondBins), to: e)
  }

  /// The lowest smoothed value and the lowest one-second mean over bins a...e (nan if under 1 s).
  private func floor(from a: Int, to e: Int) -> (Double, Double) {
    guard e - a + 1 >= oneSecondBins else { return (.nan, .nan) }
    var lowest = Double.infinity
    var lowestMean = Double.infinity
    var sum = 0.0
    for k in a...e {
      lowest = min(lowest, z[k])
      sum += x[k]
      if k - a >= oneSecondBins { sum -= x[k - oneSecondBins] }
      if k - a + 1 >= oneSecondBins { lowestMean = min(lowestMean, sum / Double(oneSecondBins)) }
    }
    return (lowest, lowestMean)
  }

  private func exhaleEndsHigher(rise: Double) -> Bool {
    guard config.risesEndHolds, rise >= nearStep, let f = floorJump() else { return false }
    return f >= floorRise
  }

  /// A breath step inside the plateau that its band did not see (a step of 1° in a ripple of
  /// ±0.8° often stays inside it until the next breath): an exhale that ended at least `floorRise`
  /// above the one before, with every later exhale staying up. The breaths are followed on the
  /// smoothed signal with a hysteresis of a fifth of the breathing swing the last long plateau
  /// showed. Returns where
  /// the step's rise began and where it topped out, when both parts last a hold's 2 s.
  private func hiddenStep(endIndex e: Int) -> (end: Int, start: Int)? {
    guard config.risesEndHolds else { return nil }
    // Of a plateau longer than the history, the bins it still holds (a step before them is gone).
    let from = max(plateau.startIndex, oldestRead)
    let s0 = from + oneSecondBins / 2
    guard e - s0 >= 4 * oneSecondBins else { return nil }
    let h = max(0.15 * config.holdExitMin, 0.2 * rippleSwing)
    let need = floorRise
    var seekingPeak = false
    var ext = z[s0]
    var extI = s0
    var lastI = -1
    var lastV = 0.0
    var cand: (i: Int, v: Double, next: Int, nextV: Double)? = nil
    func trough(_ v: Double, _ i: Int) {
      if lastI >= 0 && v - lastV >= need {
        cand = (lastI, lastV, i, v)
      } else if let c = cand, v < c.v + 0.5 * need {
        cand = nil
      }
      lastI = i
      lastV = v
    }
    for k in (s0 + 1)...e {
      let zk = z[k]
      if seekingPeak {
        if zk > ext {
          ext = zk
          extI = k
        } else if zk < ext - h {
          seekingPeak = false
          ext = zk
          extI = k
        }
      } else if zk < ext {
        ext = zk
        extI = k
      } else if zk > ext + h {
        trough(ext, extI)
        seekingPeak = true
        ext = zk
        extI = k
      }
    }
    if !seekingPeak {
      // Not when it is still falling as it closes (its lowest point in its last two bins): the
      // lowering has begun, or an exhale runs into it, and where that exhale ends is not known.
      if extI < e - 1 { trough(ext, extI) }
    } else if let (v, i) = lastLevel(after: lastI, at: lastV + need, peak: ext, at: extI, to: e, h) {
      trough(v, i)
    }
    guard let c = cand else { return nil }
    // The rise: its first crossing of the middle between the two exhales' ends; it began where the
    // signal last stood near the lower one, and topped out at the first peak after the crossing (or
    // came within 15% of it, below).
    let jump = c.nextV - c.v
    var cross = c.i
    while cross < c.next && z[cross] < c.v + jump / 2 { cross += 1 }
    var a = cross
    while a > c.i && z[a] > c.v + 0.15 * jump { a -= 1 }
    var b = cross
    while b < e && z[b + 1] > z[b] { b += 1 }
    if time(e) - time(b) < holdMin {
      // A brisk rise that creeps on to its top: the later part starts where it came within 15% of
      // it, if it got there within 2 s. A slow deep inhale takes longer, and its top, cut short
      // by the lowering, would pass for a step held there (`aSlowDeepBreathIsNoStep`).
      let near = z[b] - 0.15 * (z[b] - c.v)
      var top = b
      while top > cross && z[top - 1] >= near { top -= 1 }
      if time(top) - time(a) <= 2 { b = top }
    }
    guard time(a) - time(plateau.startIndex) >= holdMin, time(e) - time(b) >= holdMin,
      time(b) - time(a) >= config.stepMinSeconds, time(b) - time(a) <= config.stepMaxSeconds,
      x.mean(b, e) - x.mean(from, a) >= nearStep
    else { return nil }
    return (a, b)
  }

  /// Where the plateau's last breath got to when it closed while still rising or on top of an
  /// inhale (`hiddenStep`'s last exhale end). If the signal has stood at or above `level` (a step
  /// above the last exhale's end, from trough index `lastI`) for a hold's 2 s, the lowest point
  /// since it got there: a step with no exhale after it, or one too shallow to see. Otherwise the
  /// lowest point since the last peak, when the exhale from it has begun.
  private func lastLevel(
    after lastI: Int, at level: Double, peak: Double, at peakI: Int, to e: Int, _ h: Double
  ) -> (Double, Int)? {
    if lastI >= 0 {
      var k = lastI
      while k < e && z[k] < level { k += 1 }
      if z[k] >= level && time(e) - time(k) >= holdMin {
        var low = k
        for i in k...e where z[i] < z[low] { low = i }
        return (z[low], low)
      }
    }
    guard peakI < e else { return nil }
    var low = peakI + 1
    for k in (peakI + 1)...e where z[k] < z[low] { low = k }
    return peak - z[low] >= 0.3 * h ? (z[low], low) : nil
  }

  /// The plateau's breathing range over bins a...b, as `stepHolding` follows it (from ¼ s in).
  private mutating func measureBreathing(from a: Int, to b: Int) {
    plateau.lagN = 0
    plateau.lagMin = .infinity
    plateau.lagMax = -.infinity
    let from = max(a + oneSecondBins / 4, oldestRead)
    guard from <= b else { return }
    for k in from...b {
      plateau.lagN += 1
      plateau.lagMin = min(plateau.lagMin, z[k])
      plateau.lagMax = max(plateau.lagMax, z[k])
    }
  }

  private mutating func closePlateau(endIndex e: Int, lastAdded j: Int, endedDown: Bool) {
    // A breath step found inside: the part before it is closed first, then the part after it.
    if let (a, b) = hiddenStep(endIndex: e),
      !(plateau.announced && a < holdMinEnd(from: plateau.startIndex))
    {
      // Each part's breathing is its own (the step and the part after it would otherwise widen
      // the session's breathing swing).
      measureBreathing(from: plateau.bandFrom, to: a)
      closePlateau(endIndex: a, lastAdded: j, endedDown: false)
      beginPlateau(at: b, now: e)
      plateau.transitStart = a
      plateau.fromUp = true
      measureBreathing(from: b, to: e)
      closePlateau(endIndex: e, lastAdded: e, endedDown: endedDown)
      return
    }
    if e < j {
      for i in (e + 1)...j {
        let xi = x[i]
        plateau.n -= 1
        plateau.sx -= xi
        plateau.sxx -= xi * xi
        let li = lumbarRing[i]
        if li.isFinite {
          plateau.lumbarSum -= li
          plateau.lumbarN -= 1
        }
      }
    }
    phase = .none
    measureFloor(to: e)
    var start = time(plateau.startIndex)
    let end = time(e)
    if end - start < holdMin && end - start >= 0.6 * config.holdMinSeconds
      && plateau.n > 0
    {
      rescueShortPlateau(end: end)
      start = time(plateau.startIndex)
    }
    // The breathing known before this plateau: what its exhales may drop without a sink.
    let breathingBefore = rippleSwing
    if plateau.lagMax >= plateau.lagMin {
      let own = plateau.lagMax - plateau.lagMin
      // A plateau of 5 s has seen at least half a period of the slowest breathing (0.1 Hz).
      if end - start >= 5 {
        rippleSwing = own
        rippleSpeed = breathingSpeed(upTo: e - 4) ?? rippleSpeed
      } else if end - start >= 3 {
        rippleSwing = max(own, 0.7 * rippleSwing)
        rippleSpeed = max(breathingSpeed(upTo: e - 4) ?? 0, 0.7 * rippleSpeed)
      }
    }
    if !plateau.announced && plateau.n > 0 {
      absorbShortPiece()
      start = time(plateau.startIndex)
    }
    // A breath step announced on the plateau's first 2 s that its full mean does not bear out
    // (less than 90% of a step) was breathing, not a step.
    if let si = plateau.stepIndex, si == breathSteps.count - 1, plateau.n > 0,
      holds.count > repFirstHold, let prev = holds.last,
      plateau.mean - prev.hold.meanDeg < 0.9 * config.stepMinRise,
      !exhaleEndsHigher(rise: plateau.mean - prev.hold.meanDeg)
    {
      breathSteps.removeLast()
      plateau.stepIndex = nil
      // Its `breathStep` went out when the rep was certain (at once, or at the rep's confirmation).
      if repConfirmed { events.push(.breathStepWithdrawn(index: si)) }
    }
    if plateau.n > 0 && mergeWithLastHold(endIndex: e) { return }
    judgeSinkAfterStepHold()
    guard plateau.n > 0, end - start >= holdMin else {
      if plateau.n > 0 {
        lastPiece = plateau
        lastPieceEnd = e
      }
      return
    }
    lastPiece = nil
    let mean = plateau.mean
    let variance = max(0, plateau.sxx / Double(plateau.n) - mean * mean)
    let index = holds.count
    let isFirst = index == repFirstHold
    if !isFirst, let prev = holds.last {
      checkBreathStep(prev: prev, holdIndex: index, mean: mean, now: e, closing: true)
    }
    if !isFirst, plateau.stepIndex != nil, plateau.riseInsidePrevious >= 0 {
      trimLastHold(toRiseBefore: plateau.riseInsidePrevious)
    }
    var drive: Double? = nil
    let lastLoad = meanLoad(max(plateau.startIndex, e - oneSecondBins + 1), e)
    if plateau.firstLoad.isFinite && lastLoad.isFinite {
      drive = lastLoad - plateau.firstLoad
    }
    let lumbar: Double? =
      plateau.lumbarN > 0 ? plateau.lumbarSum / Double(plateau.lumbarN) : nil
    let record = HoldRecord(
      hold: Hold(start: start, end: end, kind: isFirst ? .traction : .step, meanDeg: mean),
      repIndex: reps.count, sdDeg: variance.squareRoot(), tractionDriveN: drive,
      lumbarMeanDeg: lumbar)
    holds.append(record)
    // A step hold starts at the top of the inhale that ended the step, so its first second is a
    // crest and its lowest a trough: a full breath drops that much with no sink at all. The spec
    // sets the ripple aside (up to its ±0.8°), so the breathing's swing is taken off. Before, a
    // ±0.8° breath read as "the chest sank" after one step in four.
    plateau.sinkAllowance = min(breathingBefore, 1.6 * config.holdExitMin)
    lastHoldPlateau = plateau
    lastHoldEnd = e
    if let s = plateau.stepIndex {
      breathSteps[s].step.riseDeg = mean - holds[index - 1].hold.meanDeg
      breathSteps[s].keptExhale = !endedDown && plateauSink(plateau) <= config.keptExhaleMaxSink
      pendingKeptStep = s
    }
    if repConfirmed {
      if !plateau.announced {
        events.push(.holdStarted(index: index, hold: record.hold))
      }
      events.push(.holdEnded(index: index, record: record))
    }
  }

  /// A plateau between two movements measured a little under 2 s: its start may have been taken
  /// late (breathing that continued the movement). If the signal was already within the plateau's
  /// breathing envelope early enough, start it there, at most as early as makes it a 2 s hold.
  private mutating func rescueShortPlateau(end: Double) {
    let mu = plateau.mean
    let sign = plateau.fromUp ? 1.0 : -1.0
    let margin = 0.5 * max(rippleSwing, plateau.zMax - plateau.zMin) + 0.25 * config.holdExitMin
    var i = plateau.startIndex
    let limit = max(plateau.transitStart, firstBin)
    while i > limit && sign * (z[i - 1] - mu) >= -margin { i -= 1 }
    let s2 = i
    guard end - time(s2) >= holdMin else { return }
    let target = max(s2, Int(((end - config.holdMinSeconds) / bin - 0.5).rounded(.down)))
    guard target < plateau.startIndex else { return }
    for k in target..<plateau.startIndex {
      let xk = x[k]
      plateau.n += 1
      plateau.sx += xk
      plateau.sxx += xk * xk
      let lk = lumbarRing[k]
      if lk.isFinite {
        plateau.lumbarSum += lk
        plateau.lumbarN += 1
      }
    }
    startEarlier(at: target)
  }

  /// How far a step hold's chest sank below where the step brought it, with the breathing set
  /// aside (its first second against its lowest, less the breathing's swing).
  private func plateauSink(_ p: Plateau, lowest: Double? = nil) -> Double {
    p.firstLevel.isFinite ? p.firstLevel - (lowest ?? p.minLevel) - p.sinkAllowance : 0
  }

  /// A plateau that is not the next step, after a step hold whose exhale was kept so far: the
  /// chest settled there, below the hold. Lower by more than the spec's 1° (the breathing set
  /// aside, as in the hold itself) before the next step, the exhale was not kept. Before, a sink
  /// that followed an interruption of the hold (a jolt, a breath that ran high) went unseen: the
  /// verdict looked only inside the hold.
  private mutating func judgeSinkAfterStepHold() {
    guard plateau.stepIndex == nil, plateau.n > 0, let p = pendingKeptStep,
      breathSteps[p].keptExhale == true, breathSteps[p].holdIndex == holds.count - 1,
      let hp = lastHoldPlateau, plateau.minLevel.isFinite
    else { return }
    if plateauSink(hp, lowest: plateau.minLevel) > config.keptExhaleMaxSink {
      breathSteps[p].keptExhale = false
    }
  }

  /// The plateau continues the rep's last hold (less than a breath step above or below it, or
  /// sunk from it but within the hold band) after an interruption of at most a breath step's
  /// time: extend that hold instead of starting another.
  private mutating func mergeWithLastHold(endIndex e: Int) -> Bool {
    guard plateau.stepIndex == nil, holds.count > repFirstHold, let prevPlateau = lastHoldPlateau,
      let prev = holds.last, lastHoldEnd >= plateau.transitStart - 1,
      time(plateau.startIndex) - prev.hold.end <= config.stepMaxSeconds
    else { return false }
    // Less than a breath step between the two: two holds of one rep are a breath step apart, so
    // this is the same hold after an interruption (a tap, a jolt, a breath that ran high and
    // settled a little above where it began). Lower by more, the chest sank (an exhale not kept,
    // a sag before the lowering): still one hold while both parts stay within the hold band of
    // their joint mean.
    let gap = time(plateau.startIndex) - prev.hold.end
    let rise = plateau.mean - prev.hold.meanDeg
    let n = Double(prevPlateau.n + plateau.n)
    let joint = (Double(prevPlateau.n) * prev.hold.meanDeg + Double(plateau.n) * plateau.mean) / n
    let sank =
      rise < 0 && prev.hold.meanDeg - joint <= config.holdBand
      && joint - plateau.mean <= config.holdBand
    guard abs(rise) < config.stepMinRise || sank else { return false }
    // Not when the breathing's floor rose by a breath step in between: a step that its means
    // understate.
    if gap >= config.stepMinSeconds && exhaleEndsHigher(rise: rise) {
      return false
    }
    let current = plateau
    plateau = prevPlateau
    if lastHoldEnd + 1 < current.startIndex {
      for k in (lastHoldEnd + 1)..<current.startIndex { addSums(k) }
    }
    plateau.n += current.n
    plateau.sx += current.sx
    plateau.sxx += current.sxx
    plateau.lumbarSum += current.lumbarSum
    plateau.lumbarN += current.lumbarN
    plateau.minLevel = min(plateau.minLevel, current.minLevel)
    // As the previous hold, only its end's floor is read (`floorJump`).
    plateau.endFloorPoint = current.endFloorPoint
    plateau.endFloorMean = current.endFloorMean
    let index = holds.count - 1
    let mean = plateau.mean
    let variance = max(0, plateau.sxx / Double(max(plateau.n, 1)) - mean * mean)
    var record = prev
    record.hold.end = time(e)
    record.hold.meanDeg = mean
    record.sdDeg = variance.squareRoot()
    record.lumbarMeanDeg = plateau.lumbarN > 0 ? plateau.lumbarSum / Double(plateau.lumbarN) : nil
    let lastLoad = meanLoad(max(plateau.startIndex, e - oneSecondBins + 1), e)
    if plateau.firstLoad.isFinite && lastLoad.isFinite {
      record.tractionDriveN = lastLoad - plateau.firstLoad
    }
    holds[index] = record
    lastHoldPlateau = plateau
    lastHoldEnd = e
    // A step hold continued lower (the chest sank on the exhale, then held there) is judged again
    // on all of it: the part it sank to is its lowest.
    if let s = breathSteps[repFirstStep...].lastIndex(where: { $0.holdIndex == index }),
      breathSteps[s].keptExhale == true, plateauSink(plateau) > config.keptExhaleMaxSink
    {
      breathSteps[s].keptExhale = false
    }
    if repConfirmed {
      if current.announced {
        events.push(.holdMerged(index: index + 1, into: index))
      }
      events.push(.holdEnded(index: index, record: record))
    }
    return true
  }

  /// Withdraws the finished reps that overlap `interval` (with 0.5 s of slack), with their holds
  /// and steps: the angle they were read on was not extension (a roll read before the axis was
  /// known, or while a roll held it); a rep in progress that overlaps it is withdrawn when it ends.
  /// Returns how many were withdrawn now.
  @discardableResult
  public mutating func withdrawReps(overlapping interval: ClosedRange<Double>) -> Int {
    if inRep && repStart < interval.upperBound + 0.5 { withdrawWhenEnded = interval }
    let hit = reps.indices.filter {
      reps[$0].rep.start < interval.upperBound + 0.5 && reps[$0].rep.end > interval.lowerBound - 0.5
    }
    guard !hit.isEmpty else { return 0 }
    let gone = Set(hit)
    var newIndex = [Int](repeating: -1, count: reps.count)
    var kept: [RepRecord] = []
    for (i, r) in reps.enumerated() where !gone.contains(i) {
      newIndex[i] = kept.count
      kept.append(r)
    }
    // The rep in progress has index reps.count; it moves down by the number withdrawn.
    func remap(_ r: Int) -> Int? {
      r < newIndex.count ? (newIndex[r] >= 0 ? newIndex[r] : nil) : r - gone.count
    }
    var holdIndex = [Int](repeating: -1, count: holds.count)
    var keptHolds: [HoldRecord] = []
    for (i, h) in holds.enumerated() {
      guard let r = remap(h.repIndex) else { continue }
      var h2 = h
      h2.repIndex = r
      holdIndex[i] = keptHolds.count
      keptHolds.append(h2)
    }
    var stepIndex = [Int](repeating: -1, count: breathSteps.count)
    var keptSteps: [BreathStepRecord] = []
    for (i, s) in breathSteps.enumerated() {
      guard let r = remap(s.repIndex) else { continue }
      var s2 = s
      s2.repIndex = r
      s2.holdIndex =
        s.holdIndex < holdIndex.count
        ? max(0, holdIndex[s.holdIndex]) : s.holdIndex - (holds.count - keptHolds.count)
      stepIndex[i] = keptSteps.count
      keptSteps.append(s2)
    }
    let holdsGone = holds.count - keptHolds.count
    let stepsGone = breathSteps.count - keptSteps.count
    reps = kept
    holds = keptHolds
    breathSteps = keptSteps
    repFirstHold = max(0, repFirstHold - holdsGone)
    repFirstStep = max(0, repFirstStep - stepsGone)
    if let p = pendingKeptStep {
      pendingKeptStep = p < stepIndex.count && stepIndex[p] >= 0 ? stepIndex[p] : nil
    }
    if let s = plateau.stepIndex {
      plateau.stepIndex = s < stepIndex.count && stepIndex[s] >= 0 ? stepIndex[s] : nil
    }
    events.push(.repsWithdrawn(count: gone.count))
    return gone.count
  }

  private mutating func confirmRep(_ j: Int) {
    repConfirmed = true
    events.push(.repStarted(index: reps.count, start: repStart))
    // Holds and steps closed before the rep was certain are announced now.
    if repFirstHold < holds.count {
      for h in repFirstHold..<holds.count {
        events.push(.holdStarted(index: h, hold: holds[h].hold))
        events.push(.holdEnded(index: h, record: holds[h]))
      }
    }
    if repFirstStep < breathSteps.count {
      for s in repFirstStep..<breathSteps.count {
        events.push(.breathStep(index: s, step: breathSteps[s].step))
      }
    }
    if phase == .holding && !plateau.announced
      && time(j) - time(plateau.startIndex) >= holdMin
    {
      announcePlateau(j)
    }
  }

  private mutating func endRep(at end: Double, index e: Int, cut: Bool) {
    if phase == .holding {
      let last = lastProcessed
      // An announced hold keeps its 2 s even when the rep ends right after it.
      let first = plateau.announced ? holdMinEnd(from: plateau.startIndex) : plateau.startIndex
      closePlateau(endIndex: min(max(e, first), last), lastAdded: last, endedDown: true)
    }
    phase = .none
    inRep = false
    endCandidate = nil
    let withdrawal = withdrawWhenEnded
    withdrawWhenEnded = nil
    guard repConfirmed else {
      // Not a rep: withdraw what was found inside it.
      holds.removeLast(holds.count - repFirstHold)
      breathSteps.removeLast(breathSteps.count - repFirstStep)
      return
    }
    let repIndex = reps.count
    let holdCount = holds.count - repFirstHold
    let stepCount = breathSteps.count - repFirstStep
    var completedTop = false
    if stepCount > 0, holdCount > 0 {
      let last = holds.count - 1
      if holds[last].hold.kind != .top {
        holds[last].hold.kind = .top
        events.push(.holdKindRevised(index: last, kind: .top))
      }
      completedTop = holds[last].hold.duration >= config.topCompleteSeconds
      // The step into the top is followed by relaxing down, not by a kept exhale.
      for s in repFirstStep..<breathSteps.count where breathSteps[s].holdIndex == last {
        breathSteps[s].keptExhale = nil
        if pendingKeptStep == s { pendingKeptStep = nil }
      }
    }
    if let p = pendingKeptStep, let kept = breathSteps[p].keptExhale {
      events.push(.exhaleResult(index: p, kept: kept))
    }
    pendingKeptStep = nil
    let record = RepRecord(
      rep: Rep(start: repStart, end: end, peakDeg: repPeak), holdCount: holdCount,
      breathStepCount: stepCount, completedTop: completedTop, cutShort: cut)
    reps.append(record)
    events.push(.repEnded(index: repIndex, record: record))
    if let withdrawal { withdrawReps(overlapping: withdrawal) }
  }
}
