/// What really happened in a recording (`NAME.labels.json`, see exercise-model.md). Written by the
/// simulator, read by `traction eval detection`.
public struct SessionLabels: Sendable, Equatable, Codable {
  public var variantPerRep: [ExerciseVariant]
  public var reps: [Rep]
  public var holds: [Hold]
  public var breathSteps: [BreathStep]

  public init(
    variantPerRep: [ExerciseVariant] = [], reps: [Rep] = [], holds: [Hold] = [], breathSteps: [BreathStep] = []
  ) {
    self.variantPerRep = variantPerRep
    self.reps = reps
    self.holds = holds
    self.breathSteps = breathSteps
  }

  enum CodingKeys: String, CodingKey {
    case variantPerRep = "variant_per_rep"
    case reps, holds
    case breathSteps = "breath_steps"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    variantPerRep = try c.decodeIfPresent([ExerciseVariant].self, forKey: .variantPerRep) ?? []
    reps = try c.decodeIfPresent([Rep].self, forKey: .reps) ?? []
    holds = try c.decodeIfPresent([Hold].self, forKey: .holds) ?? []
    breathSteps = try c.decodeIfPresent([BreathStep].self, forKey: .breathSteps) ?? []
  }
}
