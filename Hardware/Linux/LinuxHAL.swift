import HAL

/// Whether this build can talk to real hardware (the `LinuxHardware` trait on Linux).
public enum LinuxHardwareSupport {
  #if LinuxHardware && os(Linux)
    public static let isAvailable = true
  #else
    public static let isAvailable = false
  #endif
}
