import CXFS

public enum Privileges {
    /// Whether this process may do what a scan does: open block devices,
    /// GETFSMAP with owners, bulkstat, handles, XFS_IOC_VERIFY_MEDIA, all
    /// of which need CAP_SYS_ADMIN (root has it unless a sandbox took it).
    public static var canScan: Bool { CXFS_has_cap_sys_admin() == 1 }

    /// Throws the operational error a scan without the privilege ends with.
    public static func checkCanScan() throws(VerifyMediaError) {
        guard canScan else {
            throw .operational("must be run as root: reading block devices and naming owners need CAP_SYS_ADMIN")
        }
    }
}
