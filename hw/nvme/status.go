package nvme

import "fmt"

// Status is a completion's status field without the phase tag: Status Code
// in bits 7:0, Status Code Type in bits 10:8, More in bit 13, Do Not Retry
// in bit 14. A CQE's DW3 carries it shifted left by one.
type Status uint16

const dnr Status = 1 << 14

// Status codes (NVMe 1.4 base specification, 4.6.1.2). DNR is set where
// retrying cannot help, as QEMU sets it.
const (
	Success Status = 0x000

	// Generic command status (type 0).
	InvalidOpcode         Status = 0x001 | dnr
	InvalidField          Status = 0x002 | dnr
	DataTransferError     Status = 0x004
	InternalError         Status = 0x006
	AbortRequested        Status = 0x007
	AbortedSQDeletion     Status = 0x008
	InvalidNamespace      Status = 0x00B | dnr
	CommandSequenceError  Status = 0x00C | dnr
	InvalidPRPOffset      Status = 0x013 | dnr
	NamespaceWriteProtect Status = 0x020 | dnr
	LBAOutOfRange         Status = 0x080 | dnr

	// Command specific status (type 1).
	CompletionQueueInvalid Status = 0x100 | dnr
	InvalidQueueID         Status = 0x101 | dnr
	InvalidQueueSize       Status = 0x102 | dnr
	AbortLimitExceeded     Status = 0x103
	AERLimitExceeded       Status = 0x105
	InvalidInterruptVector Status = 0x108 | dnr
	InvalidLogPage         Status = 0x109 | dnr
	InvalidQueueDeletion   Status = 0x10C // no DNR: it succeeds once the SQs are gone
	FeatureNotSaveable     Status = 0x10D | dnr
	FeatureNotChangeable   Status = 0x10E | dnr

	// Media and data integrity errors (type 2).
	WriteFault           Status = 0x280
	UnrecoveredReadError Status = 0x281
	CompareFailure       Status = 0x285
)

// SCT returns the status code type.
func (s Status) SCT() uint8 { return uint8(s>>8) & 7 }

// SC returns the status code.
func (s Status) SC() uint8 { return uint8(s) }

// DNR reports the Do Not Retry bit.
func (s Status) DNR() bool { return s&dnr != 0 }

// OK reports success.
func (s Status) OK() bool { return s&0x7FF == 0 }

var statusNames = map[Status]string{
	Success:                "success",
	InvalidOpcode:          "invalid opcode",
	InvalidField:           "invalid field",
	DataTransferError:      "data transfer error",
	InternalError:          "internal error",
	AbortRequested:         "abort requested",
	AbortedSQDeletion:      "aborted: SQ deleted",
	InvalidNamespace:       "invalid namespace",
	CommandSequenceError:   "command sequence error",
	InvalidPRPOffset:       "invalid PRP offset",
	NamespaceWriteProtect:  "namespace write protected",
	LBAOutOfRange:          "LBA out of range",
	CompletionQueueInvalid: "completion queue invalid",
	InvalidQueueID:         "invalid queue identifier",
	InvalidQueueSize:       "invalid queue size",
	AbortLimitExceeded:     "abort limit exceeded",
	AERLimitExceeded:       "AER limit exceeded",
	InvalidInterruptVector: "invalid interrupt vector",
	InvalidLogPage:         "invalid log page",
	InvalidQueueDeletion:   "invalid queue deletion",
	FeatureNotSaveable:     "feature not saveable",
	FeatureNotChangeable:   "feature not changeable",
	WriteFault:             "write fault",
	UnrecoveredReadError:   "unrecovered read error",
	CompareFailure:         "compare failure",
}

func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("sct %d sc %#02x", s.SCT(), s.SC())
}
