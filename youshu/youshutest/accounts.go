package youshutest

import (
	"github.com/biembed/biembed-go/youshu"
)

// Account is a Youshu user the fake knows; an empty secret logs nobody in.
type Account struct {
	Email          string
	UniqueID       string
	UserID         int64 // matched by authUserId
	Password       string
	TokenKey       string
	IntegrateToken string
	Admin          bool    // super admin: may mint for others and mint helper tokens
	ProjectAdminOf []int64 // projects whose applyScope Project tokens it may mint
	DomainOwner    bool    // may mint applyScope Domain tokens for others
}

// Admin returns the default super admin, its secrets distinctive for leak checks.
func Admin() Account {
	return Account{Email: "admin@example.com", UniqueID: "admin", UserID: 1, Admin: true,
		Password: "YOUSHUTEST-ADMIN-PASSWORD-6f2b9d41", TokenKey: "YOUSHUTEST-ADMIN-TOKEN-KEY-c07e35a8",
		IntegrateToken: "YOUSHUTEST-ADMIN-INTEGRATE-TOKEN-91d4b7e2"}
}

// User returns the default normal user every Server has.
func User() Account {
	return Account{Email: "user@example.com", UniqueID: "user", UserID: 2,
		Password: "YOUSHUTEST-USER-PASSWORD-3a8c0f57", TokenKey: "YOUSHUTEST-USER-TOKEN-KEY-5d19e6b0",
		IntegrateToken: "YOUSHUTEST-USER-INTEGRATE-TOKEN-e84a2c73"}
}

// AdminCredential returns the default admin's password credential.
func AdminCredential() youshu.Credential { return youshu.Password(Admin().Email, Admin().Password) }

// UserCredential returns the default user's password credential.
func UserCredential() youshu.Credential { return youshu.Password(User().Email, User().Password) }

// Secrets returns every secret of the default accounts, for leak checks.
func Secrets() []string {
	a, u := Admin(), User()
	return []string{a.Password, a.TokenKey, a.IntegrateToken, u.Password, u.TokenKey, u.IntegrateToken}
}

// authenticate finds the account a credential of kind proves, or nil.
func (s *Server) authenticate(kind string, login, secret string) *Account {
	for i := range s.accounts {
		a := &s.accounts[i]
		switch kind {
		case youshu.TokenTypePassword:
			if a.Password != "" && a.Password == secret && (login == a.Email || login == a.UniqueID) {
				return a
			}
		case youshu.TokenTypeKey:
			if a.TokenKey != "" && a.TokenKey == secret {
				return a
			}
		case youshu.TokenTypeCustom:
			if a.IntegrateToken != "" && a.IntegrateToken == secret && (login == "" || login == a.UniqueID || login == a.Email) {
				return a
			}
		}
	}
	return nil
}

// account finds an account by authUniqueId (uniqueId or email) or authUserId.
func (s *Server) account(uniqueID string, userID int64) *Account {
	for i := range s.accounts {
		a := &s.accounts[i]
		if (uniqueID != "" && (a.UniqueID == uniqueID || a.Email == uniqueID)) || (uniqueID == "" && userID != 0 && a.UserID == userID) {
			return a
		}
	}
	return nil
}
