// The test kit's certificates are made by the library's certificate generator, which
// `rxtls serve --self-signed` uses too.
export {
  createTestPki,
  selfSigned,
  type IssueOptions,
  type TestAuthority,
  type TestCredentials,
  type TestPki,
} from '../certificates/generate-certificates';
