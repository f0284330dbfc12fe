/// The physical-value backend of an emulated load cell: the force on the cell over time.
public protocol ForceSource {
  /// Newtons at `t` seconds on the emulated system's clock (positive: tension on the cell).
  func force(atSeconds t: Double) -> Double
}

/// A constant force (a hanging weight, or nothing).
public struct ConstantForce: ForceSource, Sendable {
  public var newtons: Double
  public init(newtons: Double) { self.newtons = newtons }
  public func force(atSeconds t: Double) -> Double { newtons }
}

/// Force from a closure, for scripted pulls in tests and scenarios.
public struct ClosureForce: ForceSource {
  public let body: (Double) -> Double
  public init(_ body: @escaping (Double) -> Double) { self.body = body }
  public func force(atSeconds t: Double) -> Double { body(t) }
}

/// A strain-gauge bridge as the ADC sees it, referred to the ADC's output at gain 128: the code
/// is `(offsetCounts + newtons × countsPerNewton) × gain / 128 + noise`, saturating at the
/// 24-bit limits. Lower gains scale everything down, as a smaller amplification does.
public struct LoadCellBridgeModel: Sendable, Equatable {
  /// Sensitivity at gain 128.
  public var countsPerNewton: Double
  /// The bridge's zero-load imbalance at gain 128 (tare removes it).
  public var offsetCounts: Double
  /// White noise, counts RMS at gain 128.
  public var noiseCountsRMS: Double

  public init(
    countsPerNewton: Double = 2_000, offsetCounts: Double = 12_000, noiseCountsRMS: Double = 0
  ) {
    self.countsPerNewton = countsPerNewton
    self.offsetCounts = offsetCounts
    self.noiseCountsRMS = noiseCountsRMS
  }

  /// A typical 50 kg cell (2 mV/V at 5 V excitation into a 128× front end): about 1 g per count.
  public static let typical50kg = LoadCellBridgeModel(
    countsPerNewton: 109, offsetCounts: 12_000, noiseCountsRMS: 8)

  /// The ADC code for `newtons` at `gain`, with one noise draw from `random`.
  public func code(
    newtons: Double, gain: Int, extraOffsetCounts: Double = 0, random: inout SplitMix64
  ) -> Int32 {
    let g = Double(gain) / 128
    var c = (offsetCounts + newtons * countsPerNewton) * g + extraOffsetCounts
    if noiseCountsRMS > 0 { c += random.nextGaussian() * noiseCountsRMS * max(g, 0.25) }
    return Self.saturate24(c)
  }

  /// Rounds to an integer code, clamped to the 24-bit two's-complement range as an ADC clips.
  public static func saturate24(_ value: Double) -> Int32 {
    guard value == value else { return 0 }
    let r = value.rounded()
    if r >= 8_388_607 { return 8_388_607 }
    if r <= -8_388_608 { return -8_388_608 }
    return Int32(r)
  }
}
