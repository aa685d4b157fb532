package youshutest

import (
	"slices"

	"github.com/biembed/biembed-go/youshu"
)

// Account is a Youshu user the fake knows. An empty secret cannot be used to
// log in.
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

// The default accounts every Server has: a super admin and a normal user.
// The secrets are long and distinctive so a leak check can find them.
const (
	AdminEmail          = "admin@example.com"
	AdminUniqueID       = "admin"
	AdminUserID         = 1
	AdminPassword       = "YOUSHUTEST-ADMIN-PASSWORD-6f2b9d41"
	AdminTokenKey       = "YOUSHUTEST-ADMIN-TOKEN-KEY-c07e35a8"
	AdminIntegrateToken = "YOUSHUTEST-ADMIN-INTEGRATE-TOKEN-91d4b7e2"

	UserEmail          = "user@example.com"
	UserUniqueID       = "user"
	UserUserID         = 2
	UserPassword       = "YOUSHUTEST-USER-PASSWORD-3a8c0f57"
	UserTokenKey       = "YOUSHUTEST-USER-TOKEN-KEY-5d19e6b0"
	UserIntegrateToken = "YOUSHUTEST-USER-INTEGRATE-TOKEN-e84a2c73"
)

// AdminAccount returns the default super admin.
func AdminAccount() Account {
	return Account{Email: AdminEmail, UniqueID: AdminUniqueID, UserID: AdminUserID, Password: AdminPassword,
		TokenKey: AdminTokenKey, IntegrateToken: AdminIntegrateToken, Admin: true}
}

// UserAccount returns the default normal user.
func UserAccount() Account {
	return Account{Email: UserEmail, UniqueID: UserUniqueID, UserID: UserUserID, Password: UserPassword,
		TokenKey: UserTokenKey, IntegrateToken: UserIntegrateToken}
}

// AdminCredential returns the default admin's password credential.
func AdminCredential() youshu.Credential { return youshu.Password(AdminEmail, AdminPassword) }

// UserCredential returns the default user's password credential.
func UserCredential() youshu.Credential { return youshu.Password(UserEmail, UserPassword) }

// Secrets returns every secret of the default accounts, for leak checks.
func Secrets() []string {
	return []string{AdminPassword, AdminTokenKey, AdminIntegrateToken, UserPassword, UserTokenKey, UserIntegrateToken}
}

// authenticate finds the account a credential of kind proves, or nil.
func (s *Server) authenticate(kind youshu.TokenType, login, secret string) *Account {
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

func (a *Account) projectAdmin(projectID int64) bool {
	return a.Admin || slices.Contains(a.ProjectAdminOf, projectID)
}
