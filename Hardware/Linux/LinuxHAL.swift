import HAL

/// Whether this build can talk to real hardware (the `LinuxHardware` trait on Linux).
public enum LinuxHardwareSupport {
  #if LinuxHardware && os(Linux)
    public static let isAvailable = true
  #else
    public static let isAvailable = false
  #endif

  /// What a backend says when opened in a build without hardware support.
  public static let unavailableMessage =
    "this build lacks the LinuxHardware trait (or is not on Linux): rebuild with the default traits "
    + "(`swift build`, needs libi2c-dev and libgpiod-dev) to use real I2C and GPIO"
}
