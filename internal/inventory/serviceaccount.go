package inventory

import corev1 "k8s.io/api/core/v1"

// accountToken is what a ServiceAccount sets for automountServiceAccountToken, kept by Release.
type accountToken uint8

const (
	notAnAccount accountToken = iota // the zero value: not a ServiceAccount, or not yet released
	tokenUnset
	tokenFalse
	tokenTrue
)

// AutomountServiceAccountToken returns what a ServiceAccount sets for
// automountServiceAccountToken (nil when it leaves it unset); ok is false for an object that
// is not a typed ServiceAccount. It answers after Release too, which keeps the answer, so
// that a scan need not keep every ServiceAccount whole for the pods that run as them.
func (o *Object) AutomountServiceAccountToken() (setting *bool, ok bool) {
	if sa, isAccount := o.Typed.(*corev1.ServiceAccount); isAccount {
		return sa.AutomountServiceAccountToken, true
	}
	switch o.accountToken {
	case tokenUnset:
		return nil, true
	case tokenFalse, tokenTrue:
		v := o.accountToken == tokenTrue
		return &v, true
	}
	return nil, false
}

// keepAccountToken keeps what AutomountServiceAccountToken answers before the object's
// content is released.
func (o *Object) keepAccountToken() {
	sa, isAccount := o.Typed.(*corev1.ServiceAccount)
	switch {
	case !isAccount:
	case sa.AutomountServiceAccountToken == nil:
		o.accountToken = tokenUnset
	case *sa.AutomountServiceAccountToken:
		o.accountToken = tokenTrue
	default:
		o.accountToken = tokenFalse
	}
}
