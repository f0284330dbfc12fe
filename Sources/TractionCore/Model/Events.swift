/// The events of `../shared/spec/exercise-model.md`, with the same names and units as the labels
/// file and `replay --json`. Times are seconds on the recording's `t_s` clock.

// An angle is `null` in JSON for a session detected on the elbow force alone (no IMU, so no
// angle): read as NaN, and written back as `null`. A JSON number is never NaN, so NaN means
// exactly that.

public struct Rep: Sendable, Equatable, Codable {
  public var start: Double
  public var end: Double
  /// NaN when the angle was not measured (`null` in JSON).
  public var peakDeg: Double

  public init(start: Double, end: Double, peakDeg: Double) {
    self.start = start
    self.end = end
    self.peakDeg = peakDeg
  }

  enum CodingKeys: String, CodingKey {
    case start, end
    case peakDeg = "peak_deg"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    start = try c.decode(Double.self, forKey: .start)
    end = try c.decode(Double.self, forKey: .end)
    peakDeg = try c.decode(Double?.self, forKey: .peakDeg) ?? .nan
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(start, forKey: .start)
    try c.encode(end, forKey: .end)
    try c.encode(peakDeg.isNaN ? nil : peakDeg, forKey: .peakDeg)
  }
}

public enum HoldKind: String, Sendable, Equatable, Codable, CaseIterable {
  case traction, step, top

  /// Like the synthesized decoder, with an error that names the value and the allowed ones.
  public init(from decoder: any Decoder) throws {
    self = try decodeNamed(decoder, what: "hold kind")
  }
}

public struct Hold: Sendable, Equatable, Codable {
  public var start: Double
  public var end: Double
  public var kind: HoldKind
  /// NaN when the angle was not measured (`null` in JSON).
  public var meanDeg: Double

  public init(start: Double, end: Double, kind: HoldKind, meanDeg: Double) {
    self.start = start
    self.end = end
    self.kind = kind
    self.meanDeg = meanDeg
  }

  public var duration: Double { end - start }

  enum CodingKeys: String, CodingKey {
    case start, end, kind
    case meanDeg = "mean_deg"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    start = try c.decode(Double.self, forKey: .start)
    end = try c.decode(Double.self, forKey: .end)
    kind = try c.decode(HoldKind.self, forKey: .kind)
    meanDeg = try c.decode(Double?.self, forKey: .meanDeg) ?? .nan
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(start, forKey: .start)
    try c.encode(end, forKey: .end)
    try c.encode(kind, forKey: .kind)
    try c.encode(meanDeg.isNaN ? nil : meanDeg, forKey: .meanDeg)
  }
}

public struct BreathStep: Sendable, Equatable, Codable {
  public var t: Double
  public var riseDeg: Double

  public init(t: Double, riseDeg: Double) {
    self.t = t
    self.riseDeg = riseDeg
  }

  enum CodingKeys: String, CodingKey {
    case t
    case riseDeg = "rise_deg"
  }
}

public enum ExerciseVariant: String, Sendable, Equatable, Codable, CaseIterable {
  case basic, anchored

  /// Like the synthesized decoder, with an error that names the value and the allowed ones.
  public init(from decoder: any Decoder) throws {
    self = try decodeNamed(decoder, what: "variant")
  }
}

/// One of a string enum's names, or an error like `unknown hold kind 'foo' (expected traction,
/// step or top)` at the value's coding path.
private func decodeNamed<E: RawRepresentable & CaseIterable>(_ decoder: any Decoder, what: String) throws -> E
where E.RawValue == String {
  let c = try decoder.singleValueContainer()
  let raw = try c.decode(String.self)
  if let value = E(rawValue: raw) { return value }
  let names = E.allCases.map(\.rawValue)
  let allowed =
    names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1] : names.joined()
  throw DecodingError.dataCorruptedError(in: c, debugDescription: "unknown \(what) '\(raw)' (expected \(allowed))")
}
