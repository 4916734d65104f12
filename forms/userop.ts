// User-operation inputs (CONTRACT §6: /up/v1 favourites, addresses, messages). Lengths are the course's.
import { MESSAGE_TYPES, UseropLimits } from '../global/wire';
import { INT32_MAX, IntField, IntParam, MobileField, OptionalUrlField, TextField } from './rules';

/** POST /up/v1/userfavs */
export class UserFavForm {
  @IntField(1, INT32_MAX)
  goods!: number;
}

/** :id in /up/v1/userfavs/:id (a goods id) and /up/v1/address/:id (an address id) */
export class IdParams {
  @IntParam(1)
  id!: number;
}

/** POST /up/v1/address and PUT /up/v1/address/:id */
export class AddressForm {
  @TextField(1, UseropLimits.text)
  province!: string;

  @TextField(1, UseropLimits.text)
  city!: string;

  @TextField(1, UseropLimits.text)
  district!: string;

  @TextField(1, UseropLimits.text)
  address!: string;

  @TextField(1, UseropLimits.text)
  signer_name!: string;

  @MobileField()
  signer_mobile!: string;
}

/** POST /up/v1/message. type: 1 留言, 2 投诉, 3 询问, 4 售后, 5 求购. */
export class MessageForm {
  @IntField(MESSAGE_TYPES[0], MESSAGE_TYPES[MESSAGE_TYPES.length - 1])
  type!: number;

  @TextField(1, UseropLimits.text)
  subject!: string;

  @TextField(1, UseropLimits.message)
  message!: string;

  @OptionalUrlField(UseropLimits.text)
  file: string = '';
}
