/* SBI 2.0 extension ids and the HyperLab hypercall extension (see simulator/hypervisor/hypercalls.ts). */
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_IPI  0x735049
#define SBI_EXT_HSM  0x48534D
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_DBCN 0x4442434E
#define HC_EID       0x0A00484C
#define HC_VERSION   0
#define HC_VM_INFO   1
#define VM_INFO_ID   0
#define VM_INFO_RAM_SIZE 3
#define HC_BALLOON_TARGET 19
#define HC_BALLOON_REPORT 20
